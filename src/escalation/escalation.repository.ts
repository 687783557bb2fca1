import { severityRank } from 'src/domain/events/canonical-event.schema';
import type { Incident } from 'src/domain/incidents/incident';
import type { EscalationLimits } from 'src/domain/incidents/escalation-limits';
import type { Queryable } from 'src/database/db';
import { toIncident, type IncidentRow } from 'src/incidents/incident.repository';

/** The limits in force: the configured ones, and those of sites whose posture now shortens them. */
export interface SiteLimits {
  default: EscalationLimits;
  bySite: ReadonlyMap<string, EscalationLimits>;
}

/** An open incident with the times its escalation clock runs from. */
export interface AwaitingIncident {
  incident: Incident;
  reopenedAt: Date | null;
  escalatedAt: Date | null;
}

/** Escalation's reads and writes, made inside the transaction that escalates. */
export const escalationWrites = {
  /**
   * Open incidents whose severity's limit has passed by `now`, locked. Rows another
   * transaction holds (another runner escalating them, a fold, an operator acknowledging) are
   * skipped, not waited for: that transaction decides them, and a runner that reads a row
   * after it committed sees it no longer due. So several runners never escalate one twice.
   */
  async lockDue(tx: Queryable, limits: SiteLimits, now: Date, limit: number): Promise<AwaitingIncident[]> {
    // One row per (site, severity) with a limit: '' stands for every site without limits of its own.
    const enabled = [['', limits.default] as const, ...limits.bySite].flatMap(([site, l]) =>
      Object.entries(l)
        .filter((e): e is [string, number] => e[1] !== null)
        .map(([severity, ms]) => [site, severity, ms] as const),
    );
    if (enabled.length === 0) return [];
    const { rows } = await tx.query<IncidentRow & { reopened_at: Date | null; escalated_at: Date | null }>(
      `SELECT i.* FROM incidents i
         JOIN unnest($5::text[], $1::text[], $2::double precision[]) AS l(site_id, severity, after_ms)
           ON l.severity = i.severity AND l.site_id = CASE WHEN i.site_id = ANY($6::text[]) THEN i.site_id ELSE '' END
        WHERE i.status = 'open'
          AND GREATEST(i.opened_at, i.reopened_at, i.escalated_at)
              <= $3::timestamptz - make_interval(secs => l.after_ms / 1000)
        ORDER BY GREATEST(i.opened_at, i.reopened_at, i.escalated_at), i.id
        LIMIT $4
        FOR UPDATE OF i SKIP LOCKED`,
      [
        enabled.map((e) => e[1]),
        enabled.map((e) => e[2]),
        now,
        limit,
        enabled.map((e) => e[0]),
        [...limits.bySite.keys()],
      ],
    );
    return rows.map((r) => ({ incident: toIncident(r), reopenedAt: r.reopened_at, escalatedAt: r.escalated_at }));
  },

  /** Writes the new severities and restarts each one's clock at `at`. */
  async markEscalated(tx: Queryable, incidents: Incident[], at: Date): Promise<void> {
    await tx.query(
      `UPDATE incidents i SET severity = u.severity, severity_rank = u.severity_rank, escalated_at = $4, updated_at = $4
         FROM unnest($1::uuid[], $2::text[], $3::smallint[]) AS u(id, severity, severity_rank)
        WHERE i.id = u.id`,
      [
        incidents.map((i) => i.id),
        incidents.map((i) => i.severity),
        incidents.map((i) => severityRank(i.severity)),
        at,
      ],
    );
  },
};
