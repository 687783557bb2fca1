import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import type { Principal } from 'src/auth/principal';
import { requireLead } from 'src/auth/site-scope';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import type { HeldQuery } from './sharing.http';
import { NEXT_DATE_ADDED, SHARING_LOCK, SharingPublisherService } from './sharing-publisher.service';

/**
 * Objects above TLP:GREEN (sightings and observed data: they say this company was hit, and when)
 * wait for a lead. Releasing an incident's held objects gives them their date_added, in order,
 * under the sharing lock; later versions of a released object go out without asking again.
 */
@Injectable()
export class SharingReleaseService {
  private readonly logger = new Logger(SharingReleaseService.name);

  constructor(
    private readonly db: Db,
    private readonly publisher: SharingPublisherService,
    private readonly audit: AuditService,
  ) {}

  async held(principal: Principal, query: HeldQuery) {
    requireLead(principal);
    const rows = await this.db.query<{
      stix_id: string;
      type: string;
      tlp: string;
      incident_id: string;
      version: string | null;
      created_at: Date;
    }>(
      `SELECT stix_id, type, tlp, incident_id, version, created_at FROM shared_objects
        WHERE date_added IS NULL AND ($1::uuid IS NULL OR incident_id = $1) ORDER BY seq LIMIT 1000`,
      [query.incidentId ?? null],
    );
    return {
      items: rows.map((r) => ({
        stixId: r.stix_id,
        type: r.type,
        tlp: r.tlp,
        incidentId: r.incident_id,
        version: r.version,
        heldSince: r.created_at.toISOString(),
      })),
    };
  }

  async release(principal: Principal, incidentId: string, ip?: string) {
    requireLead(principal);
    const released = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${SHARING_LOCK})`);
      await this.publisher.publishLocked(tx);
      const { rows: incident } = await tx.query('SELECT 1 FROM incidents WHERE id = $1', [incidentId]);
      if (!incident[0]) throw new ApplicationError('incident.not-found', `No incident ${incidentId}`);
      const { rows } = await tx.query<{ seq: string; stix_id: string }>(
        'SELECT seq, stix_id FROM shared_objects WHERE incident_id = $1 AND date_added IS NULL ORDER BY seq',
        [incidentId],
      );
      // One at a time, so each gets its own later date_added.
      for (const row of rows) {
        await tx.query(
          `UPDATE shared_objects SET date_added = ${NEXT_DATE_ADDED}, released_at = now(), released_by = $2 WHERE seq = $1`,
          [row.seq, principal.username],
        );
      }
      await this.audit.record(
        {
          actor: principal,
          action: 'sharing.released',
          target: incidentId,
          details: { objects: rows.map((r) => r.stix_id) },
          ip,
        },
        tx,
      );
      return rows.length;
    });
    this.logger.log(`Released ${released} shared objects of incident ${incidentId} (by ${principal.username})`);
    return { incidentId, released };
  }
}
