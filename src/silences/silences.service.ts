import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { requireLead, scopeToSites } from 'src/auth/site-scope';
import { SilenceHoldsCache } from 'src/silences/silence-holds.cache';
import { Db, type Queryable } from 'src/database/db';
import { silenceActiveAt } from 'src/domain/silences/held-back';
import type { SilenceSpec } from 'src/domain/silences/silence';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import { SqlFilter } from 'src/platform/sql-filter';
import { listHeldEvents } from './held-events';
import { SILENCES_CHANGED_CHANNEL, toSilence, type SilenceRow } from './silence-holds.repository';
import type { HeldQuery, SilenceQuery } from './silences.http';

export function silenceView(row: SilenceRow) {
  return {
    id: row.id,
    siteId: row.site_id,
    zone: row.zone,
    sensorId: row.sensor_id,
    kind: row.kind,
    match: row.match,
    startsAt: row.starts_at?.toISOString() ?? null,
    endsAt: row.ends_at?.toISOString() ?? null,
    recurrence: row.recurrence,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiredAt: row.deleted_at?.toISOString() ?? null,
    expiredBy: row.deleted_by,
  };
}

/**
 * Tells every instance's fold, on commit, that a site's holds changed. The caller also drops
 * its own cache entry after commit, so this instance does not wait for the notice.
 */
export async function announceHoldsChanged(tx: Queryable, siteId: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [SILENCES_CHANGED_CHANNEL, siteId]);
}

export async function requireSite(db: Db, siteId: string): Promise<void> {
  const [site] = await db.query('SELECT 1 FROM sites WHERE id = $1', [siteId]);
  if (!site) throw new ApplicationError('request.invalid', `siteId: no site ${siteId}`);
}

/**
 * Silences: leads and admins create and expire them; operators may read those of their own
 * sites (an operator whose console has gone quiet should be able to see why).
 */
@Injectable()
export class SilencesService {
  private readonly logger = new Logger(SilencesService.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly cache: SilenceHoldsCache,
  ) {}

  async create(principal: Principal, spec: SilenceSpec, ip?: string) {
    requireLead(principal);
    await requireSite(this.db, spec.siteId);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<SilenceRow>(
        `INSERT INTO silences (id, site_id, zone, sensor_id, kind, match, starts_at, ends_at, recurrence, reason, created_by, created_by_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
        [
          randomUUID(),
          spec.siteId,
          spec.zone ?? null,
          spec.sensorId ?? null,
          spec.kind ?? null,
          JSON.stringify(spec.match ?? {}),
          // Without a start a silence begins now: it never reaches back over events that already happened.
          spec.startsAt ?? now,
          spec.endsAt ?? null,
          spec.recurrence ? JSON.stringify(spec.recurrence) : null,
          spec.reason,
          principal.username,
          principal.userId,
          now,
        ],
      );
      const created = rows[0];
      await this.audit.record(
        { actor: principal, action: 'silence.created', target: created.id, details: { ...silenceView(created) }, ip },
        tx,
      );
      await announceHoldsChanged(tx, created.site_id);
      return created;
    });
    this.cache.invalidate(row.site_id);
    this.logger.log(`Silence ${row.id} created at ${row.site_id} by ${principal.username}`);
    return silenceView(row);
  }

  async list(principal: Principal, query: SilenceQuery) {
    const filter = new SqlFilter();
    scopeToSites(filter, 's.site_id', principal, query.siteId);
    const at = query.activeAt;
    if (at) {
      // What held events back at that instant, including what has been expired or ended since.
      filter
        .add('(s.deleted_at IS NULL OR s.deleted_at > ?)', at)
        .add('(s.starts_at IS NULL OR s.starts_at <= ?)', at)
        .add('(s.ends_at IS NULL OR s.ends_at > ?)', at);
    } else if (!query.includeExpired) {
      filter.add('s.deleted_at IS NULL AND (s.ends_at IS NULL OR s.ends_at > ?)', this.clock.now());
    }
    filter.before('s.created_at', 's.id', query.cursor ? decodeCursor(query.cursor, 'uuid') : undefined, 'uuid');
    const rows = await this.db.query<SilenceRow & { time_zone: string }>(
      `SELECT s.*, t.time_zone FROM silences s JOIN sites t ON t.id = s.site_id ${filter.where}
        ORDER BY s.created_at DESC, s.id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.created_at, r.id]);
    return {
      // A weekly silence is active only inside its window, on the site's clock: a page may hold fewer items than the limit.
      items: page.filter((r) => !at || silenceActiveAt(toSilence(r), at, r.time_zone)).map(silenceView),
      nextCursor,
    };
  }

  /** Expires the silence (it stays on record with what it held back); expiring it again changes nothing. */
  async expire(principal: Principal, id: string, ip?: string) {
    requireLead(principal);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<SilenceRow>(
        'UPDATE silences SET deleted_at = $2, deleted_by = $3 WHERE id = $1 AND deleted_at IS NULL RETURNING *',
        [id, now, principal.username],
      );
      if (!rows[0]) return undefined;
      await this.audit.record(
        {
          actor: principal,
          action: 'silence.expired',
          target: id,
          details: { siteId: rows[0].site_id, reason: rows[0].reason },
          ip,
        },
        tx,
      );
      await announceHoldsChanged(tx, rows[0].site_id);
      return rows[0];
    });
    if (row) {
      this.cache.invalidate(row.site_id);
      this.logger.log(`Silence ${id} expired at ${row.site_id} by ${principal.username}`);
      return silenceView(row);
    }
    return silenceView(await this.find(principal, id));
  }

  async held(principal: Principal, id: string, query: HeldQuery) {
    await this.find(principal, id);
    return listHeldEvents(this.db, 'h.silence_id = $1', id, query);
  }

  private async find(principal: Principal, id: string): Promise<SilenceRow> {
    const [row] = await this.db.query<SilenceRow>('SELECT * FROM silences WHERE id = $1', [id]);
    // Another site's silence is as unknown to an operator as a missing one.
    if (!row || !canSeeSite(principal, row.site_id))
      throw new ApplicationError('resource.not-found', `Silence ${id} not found`);
    return row;
  }
}
