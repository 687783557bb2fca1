import type { PoolClient } from 'pg';
import { severityRank, type Kind, type Severity } from 'src/domain/events/canonical-event.schema';
import type { Incident, IncidentStatus, Resolution } from 'src/domain/incidents/incident';
import type { Queryable } from 'src/database/db';

export interface IncidentRow {
  id: string;
  site_id: string;
  group_key: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  kinds: Kind[];
  rule_ids: string[];
  zones: string[];
  event_count: number;
  first_seen_at: Date;
  last_seen_at: Date;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  assignee: string | null;
  resolved_at: Date | null;
  resolution: Resolution | null;
  updated_at: Date;
}

export function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    siteId: row.site_id,
    groupKey: row.group_key,
    title: row.title,
    severity: row.severity,
    status: row.status,
    kinds: row.kinds,
    ruleIds: row.rule_ids,
    zones: row.zones,
    eventCount: row.event_count,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    openedAt: row.opened_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    assignee: row.assignee,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    updatedAt: row.updated_at,
  };
}

/** The incident as REST and live messages show it (contract section 3). */
export function incidentView(incident: Incident) {
  return {
    id: incident.id,
    siteId: incident.siteId,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    kinds: incident.kinds,
    ruleIds: incident.ruleIds,
    zones: incident.zones,
    eventCount: incident.eventCount,
    firstSeenAt: incident.firstSeenAt.toISOString(),
    lastSeenAt: incident.lastSeenAt.toISOString(),
    openedAt: incident.openedAt.toISOString(),
    acknowledgedAt: incident.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: incident.acknowledgedBy,
    assignee: incident.assignee,
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
    resolution: incident.resolution,
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

/** Incident writes made inside a fold transaction. */
export const incidentWrites = {
  /** Unresolved incidents of the given "site/kind" groups whose span, widened by gapMs, meets [from, to]. */
  async findActiveNear(tx: Queryable, groups: string[], from: Date, to: Date, gapMs: number): Promise<Incident[]> {
    const { rows } = await tx.query<IncidentRow>(
      `SELECT i.* FROM incidents i
         JOIN (SELECT split_part(g, '/', 1) AS site_id, split_part(g, '/', 2) AS group_key
                 FROM unnest($1::text[]) AS g) wanted
           ON wanted.site_id = i.site_id AND wanted.group_key = i.group_key
        WHERE i.status <> 'resolved'
          AND i.last_seen_at >= $2::timestamptz - make_interval(secs => $4::double precision / 1000)
          AND i.first_seen_at <= $3::timestamptz + make_interval(secs => $4::double precision / 1000)
        FOR UPDATE OF i`,
      [groups, from, to, gapMs],
    );
    return rows.map(toIncident);
  },

  async insert(tx: PoolClient, incidents: Incident[]): Promise<void> {
    if (incidents.length === 0) return;
    await tx.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids,
                              zones, event_count, first_seen_at, last_seen_at, opened_at, updated_at)
       SELECT u.id, u.site_id, u.group_key, u.title, u.severity, u.severity_rank, u.status,
              string_to_array(u.kinds, ','), string_to_array(u.rule_ids, ','),
              CASE WHEN u.zones = '' THEN '{}'::text[] ELSE string_to_array(u.zones, ',') END,
              u.event_count, u.first_seen_at, u.last_seen_at, u.opened_at, u.updated_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::int[], $12::timestamptz[], $13::timestamptz[],
                     $14::timestamptz[], $15::timestamptz[])
           AS u(id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, zones,
                event_count, first_seen_at, last_seen_at, opened_at, updated_at)`,
      [
        incidents.map((i) => i.id),
        incidents.map((i) => i.siteId),
        incidents.map((i) => i.groupKey),
        incidents.map((i) => i.title),
        incidents.map((i) => i.severity),
        incidents.map((i) => severityRank(i.severity)),
        incidents.map((i) => i.status),
        incidents.map((i) => i.kinds.join(',')),
        incidents.map((i) => i.ruleIds.join(',')),
        incidents.map((i) => i.zones.join(',')),
        incidents.map((i) => i.eventCount),
        incidents.map((i) => i.firstSeenAt),
        incidents.map((i) => i.lastSeenAt),
        incidents.map((i) => i.openedAt),
        incidents.map((i) => i.updatedAt),
      ],
    );
  },

  /** Writes what folding changes on existing incidents. */
  async updateFolded(tx: PoolClient, incidents: Incident[]): Promise<void> {
    if (incidents.length === 0) return;
    await tx.query(
      `UPDATE incidents i
          SET severity = u.severity, severity_rank = u.severity_rank,
              zones = CASE WHEN u.zones = '' THEN '{}'::text[] ELSE string_to_array(u.zones, ',') END,
              event_count = u.event_count, first_seen_at = u.first_seen_at, last_seen_at = u.last_seen_at,
              updated_at = u.updated_at
         FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::text[], $5::int[], $6::timestamptz[],
                     $7::timestamptz[], $8::timestamptz[])
           AS u(id, severity, severity_rank, zones, event_count, first_seen_at, last_seen_at, updated_at)
        WHERE i.id = u.id`,
      [
        incidents.map((i) => i.id),
        incidents.map((i) => i.severity),
        incidents.map((i) => severityRank(i.severity)),
        incidents.map((i) => i.zones.join(',')),
        incidents.map((i) => i.eventCount),
        incidents.map((i) => i.firstSeenAt),
        incidents.map((i) => i.lastSeenAt),
        incidents.map((i) => i.updatedAt),
      ],
    );
  },

  /** The incident, locked for the rest of the transaction. */
  async lock(tx: Queryable, id: string): Promise<Incident | undefined> {
    const { rows } = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] && toIncident(rows[0]);
  },

  /** Writes what a lifecycle action changes. */
  async updateLifecycle(tx: Queryable, i: Incident): Promise<void> {
    await tx.query(
      `UPDATE incidents
          SET status = $2, acknowledged_at = $3, acknowledged_by = $4, assignee = $5,
              resolved_at = $6, resolution = $7, updated_at = $8
        WHERE id = $1`,
      [i.id, i.status, i.acknowledgedAt, i.acknowledgedBy, i.assignee, i.resolvedAt, i.resolution, i.updatedAt],
    );
  },

  async link(tx: PoolClient, incidentIds: string[], eventIds: number[]): Promise<void> {
    if (eventIds.length === 0) return;
    await tx.query(
      `INSERT INTO incident_events (incident_id, event_id)
       SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING`,
      [incidentIds, eventIds],
    );
  },

  async addTimeline(
    tx: Queryable,
    entries: { incidentId: string; at: Date; actor: string; action: string; details: object }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO incident_timeline (incident_id, at, actor, action, details)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        entries.map((e) => e.incidentId),
        entries.map((e) => e.at),
        entries.map((e) => e.actor),
        entries.map((e) => e.action),
        entries.map((e) => JSON.stringify(e.details)),
      ],
    );
  },
};
