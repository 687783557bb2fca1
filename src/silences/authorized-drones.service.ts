import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { requireLead, scopeToSites } from 'src/auth/site-scope';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { SqlFilter } from 'src/platform/sql-filter';
import { listHeldEvents } from './held-events';
import { SilenceHoldsCache } from './silence-holds.cache';
import { announceHoldsChanged, requireSite } from './silences.service';
import type { AuthorizedDroneQuery, AuthorizedDroneSpec, HeldQuery } from './silences.http';

interface AuthorizedDroneRow {
  id: string;
  site_id: string;
  uas_id: string;
  label: string;
  created_by: string;
  created_at: Date;
  deleted_at: Date | null;
  deleted_by: string | null;
}

function authorizedDroneView(row: AuthorizedDroneRow) {
  return {
    id: row.id,
    siteId: row.site_id,
    uasId: row.uas_id,
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiredAt: row.deleted_at?.toISOString() ?? null,
    expiredBy: row.deleted_by,
  };
}

/**
 * The company's own drones, by site and Remote ID `uasId`: their detections are stored and
 * linked but raise nothing. A drone is named by (site, uasId): the same drone may fly at two
 * sites, and removing it from one must not remove it from the other.
 */
@Injectable()
export class AuthorizedDronesService {
  private readonly logger = new Logger(AuthorizedDronesService.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly cache: SilenceHoldsCache,
  ) {}

  async create(principal: Principal, spec: AuthorizedDroneSpec, ip?: string) {
    requireLead(principal);
    await requireSite(this.db, spec.siteId);
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AuthorizedDroneRow>(
        `INSERT INTO authorized_drones (id, site_id, uas_id, label, created_by, created_by_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (site_id, uas_id) WHERE deleted_at IS NULL DO NOTHING RETURNING *`,
        [randomUUID(), spec.siteId, spec.uasId, spec.label, principal.username, principal.userId, this.clock.now()],
      );
      if (!rows[0]) return undefined;
      await this.audit.record(
        {
          actor: principal,
          action: 'authorized-drone.created',
          target: rows[0].id,
          details: { siteId: spec.siteId, uasId: spec.uasId, label: spec.label },
          ip,
        },
        tx,
      );
      await announceHoldsChanged(tx, spec.siteId);
      return rows[0];
    });
    if (!row)
      throw new ApplicationError('resource.conflict', `uasId: ${spec.uasId} is already authorized at ${spec.siteId}`);
    this.cache.invalidate(spec.siteId);
    this.logger.log(`Drone ${spec.uasId} authorized at ${spec.siteId} by ${principal.username}`);
    return authorizedDroneView(row);
  }

  async list(principal: Principal, query: AuthorizedDroneQuery) {
    const filter = new SqlFilter();
    scopeToSites(filter, 'site_id', principal, query.siteId);
    filter.add('(?::boolean OR deleted_at IS NULL)', query.includeExpired);
    const rows = await this.db.query<AuthorizedDroneRow>(
      `SELECT * FROM authorized_drones ${filter.where} ORDER BY site_id, uas_id, created_at DESC LIMIT 10000`,
      filter.params,
    );
    return { items: rows.map(authorizedDroneView) };
  }

  async expire(principal: Principal, siteId: string, uasId: string, ip?: string) {
    requireLead(principal);
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AuthorizedDroneRow>(
        `UPDATE authorized_drones SET deleted_at = $3, deleted_by = $4
          WHERE site_id = $1 AND uas_id = $2 AND deleted_at IS NULL RETURNING *`,
        [siteId, uasId, this.clock.now(), principal.username],
      );
      if (!rows[0]) return undefined;
      await this.audit.record(
        { actor: principal, action: 'authorized-drone.expired', target: rows[0].id, details: { siteId, uasId }, ip },
        tx,
      );
      await announceHoldsChanged(tx, siteId);
      return rows[0];
    });
    if (!row) throw new ApplicationError('resource.not-found', `Drone ${uasId} is not authorized at ${siteId}`);
    this.cache.invalidate(siteId);
    this.logger.log(`Drone ${uasId} no longer authorized at ${siteId} (${principal.username})`);
    return authorizedDroneView(row);
  }

  /** What the drone's entries at the site (the current one and any expired ones) held back. */
  async held(principal: Principal, siteId: string, uasId: string, query: HeldQuery) {
    if (!canSeeSite(principal, siteId)) throw new ApplicationError('site.forbidden', 'siteId: not one of your sites');
    return listHeldEvents(
      this.db,
      'h.authorized_drone_id IN (SELECT id FROM authorized_drones WHERE site_id = ($1::text[])[1] AND uas_id = ($1::text[])[2])',
      [siteId, uasId],
      query,
    );
  }
}
