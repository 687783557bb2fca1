import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import type { Principal } from 'src/auth/principal';
import { requireLead } from 'src/auth/site-scope';
import { Db, type Queryable } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import type { LegalHold } from './legal-hold.http';
import { missingIncident } from './retired-incidents';

interface LegalHoldRow {
  incident_id: string;
  reason: string;
  set_by: string;
  set_at: Date;
}

const view = (row: LegalHoldRow): LegalHold => ({
  incidentId: row.incident_id,
  reason: row.reason,
  setBy: row.set_by,
  setAt: row.set_at.toISOString(),
});

/**
 * Legal holds: a lead or admin keeps an incident (its events and timeline with it) out of
 * retention, with a reason; setting and lifting are both recorded in the audit log, in the
 * transaction that makes the change.
 */
@Injectable()
export class LegalHoldService {
  private readonly logger = new Logger(LegalHoldService.name);

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async set(principal: Principal, incidentId: string, reason: string, ip?: string): Promise<LegalHold> {
    requireLead(principal);
    const hold = await this.db.transaction(async (tx) => {
      const siteId = await incidentSite(tx, principal, incidentId);
      const { rows } = await tx.query<LegalHoldRow>(
        `INSERT INTO incident_legal_holds (incident_id, site_id, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (incident_id) DO UPDATE SET reason = EXCLUDED.reason, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
         RETURNING *`,
        [incidentId, siteId, reason, principal.username, this.clock.now()],
      );
      await this.audit.record(
        { actor: principal, action: 'incident.legal-hold-set', target: incidentId, details: { reason }, ip },
        tx,
      );
      return view(rows[0]);
    });
    this.logger.log(`Incident ${incidentId} put under legal hold by ${principal.username}`);
    return hold;
  }

  async lift(
    principal: Principal,
    incidentId: string,
    reason: string,
    ip?: string,
  ): Promise<{ incidentId: string; legalHold: null }> {
    requireLead(principal);
    await this.db.transaction(async (tx) => {
      await incidentSite(tx, principal, incidentId);
      const { rows } = await tx.query<LegalHoldRow>(
        'DELETE FROM incident_legal_holds WHERE incident_id = $1 RETURNING *',
        [incidentId],
      );
      if (!rows[0]) throw new ApplicationError('resource.not-found', `Incident ${incidentId} is under no legal hold`);
      await this.audit.record(
        {
          actor: principal,
          action: 'incident.legal-hold-lifted',
          target: incidentId,
          details: { reason, held: view(rows[0]) },
          ip,
        },
        tx,
      );
    });
    this.logger.log(`Legal hold on incident ${incidentId} lifted by ${principal.username}`);
    return { incidentId, legalHold: null };
  }
}

/** The incident's site, its row locked against a concurrent hold change; 404 when there is none (410 when retired). */
async function incidentSite(tx: Queryable, principal: Principal, incidentId: string): Promise<string> {
  const { rows } = await tx.query<{ site_id: string }>('SELECT site_id FROM incidents WHERE id = $1 FOR SHARE', [
    incidentId,
  ]);
  if (!rows[0]) throw await missingIncident(tx, principal, incidentId);
  return rows[0].site_id;
}

/** An incident's legal hold, or null (GET /incidents/{id}). */
export async function legalHoldOf(db: Queryable, incidentId: string): Promise<LegalHold | null> {
  const { rows } = await db.query<LegalHoldRow>('SELECT * FROM incident_legal_holds WHERE incident_id = $1', [
    incidentId,
  ]);
  return rows[0] ? view(rows[0]) : null;
}
