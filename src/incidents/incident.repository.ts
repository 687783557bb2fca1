import { withoutPosture } from 'src/domain/posture/never-shared';
import type { PostureLevel } from 'src/domain/posture/posture-level';
import { severityRank, type Kind, type Severity } from 'src/domain/events/canonical-event.schema';
import type { DroneTrack } from 'src/domain/incidents/drone-tracks';
import type { Incident, IncidentStatus, Resolution } from 'src/domain/incidents/incident';
import { prepared, type Queryable } from 'src/database/db';
import { sha256Hex } from 'src/audit/hash-chain';
import { CHAIN_GENESIS, timelineCanonical } from 'src/domain/audit/canonical-json';
import {
  liveAppendParams,
  liveAppendSql,
  numberedLiveMessages,
  type LiveAppendRow,
  type LiveMessage,
  type NewLiveMessage,
} from 'src/live/live-log';

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
  track: DroneTrack | null;
  posture_at_open?: PostureLevel | null;
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
    ...(row.track && { track: row.track }),
    ...(row.posture_at_open && { postureAtOpen: row.posture_at_open }),
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
    ...(incident.postureAtOpen && { postureAtOpen: incident.postureAtOpen }),
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

/**
 * The incident as it may leave the company (exports, evidence bundles): without the posture
 * it opened under, because a site's threat posture is never disclosed.
 */
export function exportableIncidentView(incident: Incident) {
  return withoutPosture(incidentView(incident));
}

export interface TimelineEntry {
  incidentId: string;
  at: Date;
  actor: string;
  action: string;
  details: object;
}

/** A timeline entry with its place in its incident's hash chain, computed by the writer. */
export interface ChainedTimelineInsert extends TimelineEntry {
  chainSeq: number;
  prevHash: string;
  hash: string;
}

/**
 * Links the entries into their incidents' chains, in order, from each chain's head (none: a
 * new chain): the same canonical form and hash the database trigger computes (migration
 * 1764700000000), done here so the busy fold keeps that work off the database.
 */
export function chainTimeline(
  entries: readonly TimelineEntry[],
  heads: ReadonlyMap<string, { seq: number; hash: string }>,
): ChainedTimelineInsert[] {
  const tip = new Map(heads);
  return entries.map((e) => {
    const head = tip.get(e.incidentId) ?? { seq: 0, hash: CHAIN_GENESIS };
    // As stored: JSON (what jsonb keeps) and a millisecond UTC time.
    const details = JSON.parse(JSON.stringify(e.details)) as object;
    const link = {
      incidentId: e.incidentId,
      seq: head.seq + 1,
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      details,
      prevHash: head.hash,
    };
    const hash = sha256Hex(timelineCanonical(link));
    tip.set(e.incidentId, { seq: link.seq, hash });
    return { ...e, details, chainSeq: link.seq, prevHash: link.prevHash, hash };
  });
}

/** Incidents as applyFold's statement reads them: one JSON array of rows (json_to_recordset). */
function incidentRecords(incidents: readonly Incident[]): string {
  return JSON.stringify(
    incidents.map((i) => ({
      id: i.id,
      site_id: i.siteId,
      group_key: i.groupKey,
      title: i.title,
      severity: i.severity,
      severity_rank: severityRank(i.severity),
      status: i.status,
      kinds: i.kinds,
      rule_ids: i.ruleIds,
      zones: i.zones,
      event_count: i.eventCount,
      first_seen_at: i.firstSeenAt,
      last_seen_at: i.lastSeenAt,
      opened_at: i.openedAt,
      updated_at: i.updatedAt,
      track: i.track ?? null,
    })),
  );
}

/** The columns of incidentRecords' rows, as json_to_recordset declares them. */
const INCIDENT_RECORD = `id uuid, site_id text, group_key text, title text, severity text, severity_rank smallint, status text,
  kinds text[], rule_ids text[], zones text[], event_count int, first_seen_at timestamptz, last_seen_at timestamptz,
  opened_at timestamptz, updated_at timestamptz, track jsonb`;

/**
 * What applyFold writes, as CTEs: the incidents a fold opened and changed, the links from events
 * to incidents, the events marked folded. Each set of rows goes as one JSON array
 * (json_to_recordset), which JSON.stringify writes natively; as arrays of text, node-postgres
 * would escape every title, track and timeline detail in JavaScript.
 */
const FOLD_APPLY_CTES = `opened AS (
           INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids,
                                  zones, event_count, first_seen_at, last_seen_at, opened_at, updated_at, track)
           SELECT u.id, u.site_id, u.group_key, u.title, u.severity, u.severity_rank, u.status, u.kinds, u.rule_ids,
                  u.zones, u.event_count, u.first_seen_at, u.last_seen_at, u.opened_at, u.updated_at, u.track
             FROM json_to_recordset($1::json) AS u(${INCIDENT_RECORD})
         ),
         updated AS (
           UPDATE incidents i
              SET severity = u.severity, severity_rank = u.severity_rank, kinds = u.kinds, rule_ids = u.rule_ids,
                  zones = u.zones, event_count = u.event_count, first_seen_at = u.first_seen_at,
                  last_seen_at = u.last_seen_at, updated_at = u.updated_at, title = u.title,
                  track = COALESCE(u.track, i.track)
             FROM json_to_recordset($2::json) AS u(${INCIDENT_RECORD})
            WHERE i.id = u.id
         ),
         linked AS (
           INSERT INTO incident_events (incident_id, event_id)
           SELECT * FROM unnest($3::uuid[], $4::bigint[]) ON CONFLICT DO NOTHING
         ),
         folded AS (
           UPDATE events SET folded_at = $5, fold_error = NULL WHERE id = ANY($6::bigint[])
         )`;

/** ...and the timeline entries, chained by the writer (chainTimeline). */
const FOLD_APPLY_TIMELINE = `INSERT INTO incident_timeline (incident_id, at, actor, action, details, chain_seq, prev_hash, hash)
         SELECT t.incident_id, t.at, t.actor, t.action, t.details, t.chain_seq, t.prev_hash, t.hash
           FROM json_to_recordset($7::json) AS t(incident_id uuid, at timestamptz, actor text, action text, details jsonb,
                                                 chain_seq int, prev_hash text, hash text)`;

/**
 * The same with the changes' live messages appended in the statement: one round trip fewer for
 * every fold. The incidents it changes are already locked by then (their reads are FOR UPDATE),
 * so where PostgreSQL runs the counter rows' lock among the CTEs does not matter to them; the
 * fold's transaction commits right after this statement, so the counters are not held long.
 */
const FOLD_APPLY_LIVE = (() => {
  const live = liveAppendSql(8);
  return `WITH ${FOLD_APPLY_CTES}, timeline AS (${FOLD_APPLY_TIMELINE}), ${live.ctes} ${live.select}`;
})();

/** Incident reads and writes made inside a transaction. */
export const incidentWrites = {
  /**
   * What a fold's events may join, locked, in one statement. The gap widens [from, to] both ways;
   * an incident is found through its span (incident_spans) and checked on its own first and
   * last event times.
   * - active: unresolved incidents of the "site/kind" groups (a kind's group also takes in its
   *   sub-groups, "drone" → "drone:<track>", so a site's drone tracks come with their state);
   * - named: the active drone tracks of these sites that carry one of the identities (Remote ID
   *   uasIds, detector track keys "gateway/sensor/trackId"). Only these can claim a named
   *   detection, so a fold never reads a site's other tracks.
   */
  async findFoldCandidates(
    tx: Queryable,
    groups: string[],
    drones: { siteIds: string[]; uasIds: string[]; trackKeys: string[] },
    from: Date,
    to: Date,
    gapMs: number,
  ): Promise<{ active: Incident[]; named: Incident[] }> {
    if (groups.length === 0 && (drones.siteIds.length === 0 || drones.uasIds.length + drones.trackKeys.length === 0)) {
      return { active: [], named: [] };
    }
    // The window widened by the gap both ways; an incident meets it when its span (coarse, to
    // the minute, through incident_spans' index) and its own first and last events (exact) do.
    const meets = `s.seen_until >= $2 AND s.seen_from <= $3 AND i.last_seen_at >= $2 AND i.first_seen_at <= $3`;
    const { rows } = await tx.query<IncidentRow & { named: boolean }>(
      prepared(
        'fold-candidates',
        `WITH active AS (
           SELECT i.* FROM incident_spans s
             JOIN (SELECT split_part(g, '/', 1) AS site_id, split_part(g, '/', 2) AS group_key
                     FROM unnest($1::text[]) AS g) wanted
               ON wanted.site_id = s.site_id
              AND (s.group_key = wanted.group_key OR starts_with(s.group_key, wanted.group_key || ':'))
             JOIN incidents i ON i.id = s.incident_id
            WHERE i.status <> 'resolved' AND ${meets}
            FOR UPDATE OF i
         ),
         named AS (
           SELECT i.* FROM incident_spans s JOIN incidents i ON i.id = s.incident_id
            WHERE s.site_id = ANY($4) AND starts_with(s.group_key, 'drone:') AND i.status <> 'resolved'
              AND ((i.track->'uasIds') ?| $5::text[] OR (i.track->'trackKeys') ?| $6::text[])
              AND ${meets}
            FOR UPDATE OF i
         )
         SELECT false AS named, * FROM active UNION ALL SELECT true AS named, * FROM named`,
        [
          groups,
          new Date(from.getTime() - gapMs),
          new Date(to.getTime() + gapMs),
          drones.siteIds,
          drones.uasIds,
          drones.trackKeys,
        ],
      ),
    );
    return { active: rows.filter((r) => !r.named).map(toIncident), named: rows.filter((r) => r.named).map(toIncident) };
  },

  /** The last entry (position and hash) of each of these incidents' timelines. */
  async chainHeads(tx: Queryable, incidentIds: string[]): Promise<Map<string, { seq: number; hash: string }>> {
    if (incidentIds.length === 0) return new Map();
    // One index probe per incident (its newest entry), however long its timeline is.
    const { rows } = await tx.query<{ incident_id: string; chain_seq: number; hash: string }>(
      prepared(
        'fold-chain-heads',
        `SELECT i.id AS incident_id, t.chain_seq, t.hash FROM unnest($1::uuid[]) AS i(id)
           CROSS JOIN LATERAL (SELECT chain_seq, hash FROM incident_timeline
                                WHERE incident_id = i.id ORDER BY chain_seq DESC LIMIT 1) t`,
        [incidentIds],
      ),
    );
    return new Map(rows.map((r) => [r.incident_id, { seq: r.chain_seq, hash: r.hash }]));
  },

  /**
   * Active drone tracks of these sites last seen within [from, to]: the candidates a detection
   * that no track names may join by the gate (distance and time), besides those already read.
   */
  async findDroneTracksNear(
    tx: Queryable,
    siteIds: string[],
    from: Date,
    to: Date,
    except: string[],
  ): Promise<Incident[]> {
    const { rows } = await tx.query<IncidentRow>(
      prepared(
        'fold-drone-near',
        `SELECT i.* FROM incident_spans s JOIN incidents i ON i.id = s.incident_id
          WHERE s.site_id = ANY($1) AND starts_with(s.group_key, 'drone:') AND i.status <> 'resolved'
            AND s.seen_until >= $2 AND s.seen_from <= $3
            AND i.last_seen_at BETWEEN $2 AND $3 AND s.incident_id <> ALL($4::uuid[])
          FOR UPDATE OF i`,
        [siteIds, from, to, except],
      ),
    );
    return rows.map(toIncident);
  },

  /**
   * Writes one fold (or the correlator's matches) in a single statement: the incidents it opened,
   * the ones it changed, the links from events to incidents, the events marked folded
   * (markFolded), the timeline entries, and the changes' live messages when given (returned
   * with their numbers). The incidents it changes must already be locked by the caller.
   * (Foreign keys are checked at the end of the statement, when the new incidents exist.)
   */
  async applyFold(
    tx: Queryable,
    fold: {
      opened: Incident[];
      updated: Incident[];
      links: { incidentId: string; eventId: number }[];
      /** Events to mark folded now (none when they were stored folded, in this transaction). */
      markFolded: number[];
      foldedAt: Date;
      timeline: ChainedTimelineInsert[];
    },
    /** Live messages of the changes, appended in the same statement (liveAppendSql); returned numbered. */
    live: readonly NewLiveMessage[] = [],
  ): Promise<LiveMessage[]> {
    const { links, timeline } = fold;
    const params = [
      incidentRecords(fold.opened),
      incidentRecords(fold.updated),
      links.map((l) => l.incidentId),
      links.map((l) => l.eventId),
      fold.foldedAt,
      fold.markFolded,
      JSON.stringify(
        timeline.map((e) => ({
          incident_id: e.incidentId,
          at: e.at,
          actor: e.actor,
          action: e.action,
          details: e.details,
          chain_seq: e.chainSeq,
          prev_hash: e.prevHash,
          hash: e.hash,
        })),
      ),
    ];
    if (live.length === 0) {
      await tx.query(prepared('fold-apply', `WITH ${FOLD_APPLY_CTES} ${FOLD_APPLY_TIMELINE}`, params));
      return [];
    }
    const { rows } = await tx.query<LiveAppendRow>(
      prepared('fold-apply-live', FOLD_APPLY_LIVE, [...params, ...liveAppendParams(live)]),
    );
    return numberedLiveMessages(live, rows);
  },

  /** The incident, locked for the rest of the transaction. */
  async lock(tx: Queryable, id: string): Promise<Incident | undefined> {
    const { rows } = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] && toIncident(rows[0]);
  },

  /** Writes what a lifecycle action changes. A reopening (resolved → open) is stamped: it restarts the escalation clock. */
  async updateLifecycle(tx: Queryable, i: Incident): Promise<void> {
    await tx.query(
      `UPDATE incidents
          SET status = $2, acknowledged_at = $3, acknowledged_by = $4, assignee = $5,
              resolved_at = $6, resolution = $7, updated_at = $8,
              reopened_at = CASE WHEN status = 'resolved' AND $2 = 'open' THEN $8 ELSE reopened_at END
        WHERE id = $1`,
      [i.id, i.status, i.acknowledgedAt, i.acknowledgedBy, i.assignee, i.resolvedAt, i.resolution, i.updatedAt],
    );
  },

  async addTimeline(tx: Queryable, entries: TimelineEntry[]): Promise<void> {
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
