import { prepared, type Queryable } from 'src/database/db';
import type { SensorOutage } from 'src/domain/correlation';
import type { MatchChange } from 'src/domain/correlation/match-incidents';
import { outagesFromHealth, type HealthChange, type ZoneCoverage } from 'src/domain/correlation/outages';
import type { Kind } from 'src/domain/events/canonical-event.schema';
import type { Incident } from 'src/domain/incidents/incident';
import { SITE_EVENT_COLUMNS, type SiteEventRow } from 'src/events/site-event-row';
import { bindEvents, boundEvent, PAYLOAD_SHA256_SQL, type BindableRow } from 'src/incidents/event-binding';
import {
  chainTimeline,
  incidentView,
  incidentWrites,
  toIncident,
  type IncidentRow,
  type TimelineEntry,
} from 'src/incidents/incident.repository';
import { appendLiveMessages, type LiveMessage } from 'src/live/live-log';

/** Where live correlation has read up to: the (ingest_xid, id) of the last event it took. */
export interface CorrelationCursor {
  xid: string;
  eventId: string;
}

/** An event a step's matches name (matchedEvents). */
export interface MatchedEventRow extends BindableRow {
  kind: Kind;
  zone: string | null;
  /** The unresolved incident folding put it in, if any. */
  base_incident_id: string | null;
  /** When it reached OreGuard: how late its rule's incident is (oreguard_rule_incident_seconds). */
  received_at: Date;
}

export interface NewEventRow extends SiteEventRow {
  ingest_xid: string;
  /** Folded into its incident, or dead-lettered: what folding decided of it is known. */
  settled: boolean;
  /** Held back by a silence or an authorized drone: correlates with nothing. */
  held: boolean;
}

/** Events after the cursor ($1, $2): what live correlation has still to take. */
export const PENDING_COUNT = `SELECT count(*)::int AS n FROM events
  WHERE ingest_xid IS NOT NULL AND (ingest_xid, id) > ($1::xid8, $2::bigint)`;

/**
 * What a step needs of the events its matches name (correlatorStore.matchedEvents), by id and
 * received since $2: read on the correlator's lease session beside the step's transaction,
 * planned by index (PlanChoice `indexed`). `id` is not the partition key: unbounded, the read
 * probes the primary key of every partition, months of them (4.4 ms a step over six months of
 * weekly partitions, against 1 ms on an empty database); `received_at` leaves only the newest.
 */
export const MATCHED_EVENTS = `SELECT e.id, e.event_id, e.site_id, e.gateway_id, e.kind, e.zone, e.received_at, ${PAYLOAD_SHA256_SQL('e.raw_payload')} AS payload_sha256,
              (SELECT l.incident_id FROM incident_events l JOIN incidents i ON i.id = l.incident_id
                WHERE l.event_id = e.id AND i.status <> 'resolved' AND NOT starts_with(i.group_key, 'rule:')
                LIMIT 1) AS base_incident_id
         FROM events e WHERE e.id = ANY($1::bigint[]) AND e.received_at >= $2`;

/**
 * The commit horizon of this database: every transaction of it with a smaller id has ended,
 * and every later one gets a larger id, so no event can be stored below it from now on.
 *
 * PostgreSQL's own snapshot xmin is the oldest transaction still running on the whole server,
 * in any database: a long one elsewhere (a bulk load into another database) would hold
 * correlation back for as long as it runs. So the snapshot's running transactions are taken
 * one by one, leaving out only those positively running in another database (a backend serves
 * one database for life, and cannot write here); if none is left, the snapshot's xmax. A
 * transaction that ended between the snapshot and the look at pg_stat_activity is not found
 * there and counts as this database's: the horizon only ever errs on the early side.
 */
const COMMIT_HORIZON = `(SELECT COALESCE(
     (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
       WHERE x::xid NOT IN (SELECT backend_xid FROM pg_stat_activity
                             WHERE backend_xid IS NOT NULL AND datname <> current_database())),
     pg_snapshot_xmax(pg_current_snapshot())))`;

/** A health change as OUTAGE_CHANGES returns it. */
export interface HealthChangeRow {
  site_id: string;
  subject_type: 'gateway' | 'sensor';
  subject_id: string;
  gateway_id: string;
  state: HealthChange['state'];
  at: Date;
}

export function toHealthChange(row: HealthChangeRow): HealthChange {
  return {
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    gatewayId: row.gateway_id,
    state: row.state,
    at: row.at,
  };
}

/**
 * Each health subject of the sites $1 (sensors and gateways) with its changes in [$2, $3] and its
 * last change before $2, ordered by time (correlatorStore.outages). A subject that has not
 * changed since $2 has one row, from its own row (id NULL, first among equal times).
 */
export const OUTAGE_CHANGES = `WITH subjects AS (
     SELECT site_id, 'sensor'::text AS subject_type, id AS subject_id, gateway_id,
            health_changed_to AS state, health_changed_at AS at
       FROM sensors WHERE site_id = ANY($1) AND health_changed_at IS NOT NULL
     UNION ALL
     SELECT site_id, 'gateway', id, id, health_changed_to, health_changed_at
       FROM gateways WHERE site_id = ANY($1) AND health_changed_at IS NOT NULL
   )
   SELECT site_id, subject_type, subject_id, gateway_id, state, at, NULL::bigint AS id FROM subjects WHERE at < $2
   UNION ALL
   SELECT h.site_id, h.subject_type, h.subject_id, h.gateway_id, h.state, h.at, h.id
     FROM subjects s
     CROSS JOIN LATERAL (
       (SELECT site_id, subject_type, subject_id, gateway_id, state, at, id FROM sensor_health_changes h
         WHERE h.site_id = s.site_id AND h.subject_type = s.subject_type AND h.subject_id = s.subject_id
           AND h.at >= $2 AND h.at <= $3)
       UNION ALL
       (SELECT site_id, subject_type, subject_id, gateway_id, state, at, id FROM sensor_health_changes h
         WHERE h.site_id = s.site_id AND h.subject_type = s.subject_type AND h.subject_id = s.subject_id
           AND h.at < $2
         ORDER BY at DESC, id DESC LIMIT 1)
     ) h
    WHERE s.at >= $2
   ORDER BY at, id NULLS FIRST`;

/** The SQL of live correlation (correlator.service.ts). */
export const correlatorStore = {
  async cursor(q: Queryable): Promise<CorrelationCursor> {
    const { rows } = await q.query<{ xid: string; event_id: string }>(
      'SELECT xid::text AS xid, event_id FROM correlation_cursor WHERE id = 1',
    );
    return { xid: rows[0].xid, eventId: rows[0].event_id };
  },

  /**
   * How many accepted events lie after the cursor. The cursor is read first and passed as
   * values: only then does the planner see how few events lie after it and read them from
   * the (ingest_xid, id) index instead of scanning the table (run it in Db.withoutTableScans
   * too: before the first analyze the planner has no idea how few they are).
   */
  async pending(q: Queryable): Promise<number> {
    const cursor = await correlatorStore.cursor(q);
    const { rows } = await q.query<{ n: number }>(
      prepared('correlation-pending-count', PENDING_COUNT, [cursor.xid, cursor.eventId]),
    );
    return rows[0].n;
  },

  /**
   * Events stored after the cursor by transactions that have all ended (below this database's
   * commit horizon), in (ingest_xid, id) order: no event can later appear before the last one read.
   */
  async newEvents(q: Queryable, after: CorrelationCursor, limit: number): Promise<NewEventRow[]> {
    const { rows } = await q.query<NewEventRow>(
      prepared(
        'correlator-new-events',
        `SELECT ${SITE_EVENT_COLUMNS}, e.ingest_xid::text AS ingest_xid,
              (e.folded_at IS NOT NULL OR e.fold_error IS NOT NULL) AS settled,
              EXISTS (SELECT 1 FROM event_holds h WHERE h.event_id = e.id) AS held
         FROM events e
        WHERE e.ingest_xid IS NOT NULL
          AND (e.ingest_xid, e.id) > ($1::xid8, $2::bigint)
          AND e.ingest_xid < ${COMMIT_HORIZON}
        ORDER BY e.ingest_xid, e.id
        LIMIT $3`,
        [after.xid, after.eventId, limit],
      ),
    );
    return rows;
  },

  /**
   * Whether events after the cursor were committed by transactions newEvents must still wait
   * for: younger than one of this database still running, so not taken until it ends. That end
   * announces nothing, so the correlator looks again soon rather than at its next poll.
   */
  async hiddenBehindOlder(q: Queryable, after: CorrelationCursor): Promise<boolean> {
    const { rows } = await q.query<{ hidden: boolean }>(
      prepared(
        'correlator-hidden-behind-older',
        `SELECT EXISTS (SELECT 1 FROM events e
                       WHERE e.ingest_xid IS NOT NULL
                         AND (e.ingest_xid, e.id) > ($1::xid8, $2::bigint)
                         AND e.ingest_xid >= ${COMMIT_HORIZON}) AS hidden`,
        [after.xid, after.eventId],
      ),
    );
    return rows[0].hidden;
  },

  /**
   * Where a rebuild starts: `from`, or later if more than `most` events occurred since, at the
   * time of the `most`-th newest (the engine's memory budget would shed the older ones anyway).
   */
  async historyStart(q: Queryable, from: Date, most: number): Promise<Date> {
    const { rows } = await q.query<{ occurred_at: Date }>(
      'SELECT occurred_at FROM events WHERE occurred_at >= $1 ORDER BY occurred_at DESC, id DESC OFFSET $2 LIMIT 1',
      [from, most],
    );
    return rows[0]?.occurred_at ?? from;
  },

  /**
   * A page of the events up to the cursor that occurred since `from`, in event-time order, not
   * held back: what rebuilds the engine's state after a start or a failover.
   */
  async historyPage(
    q: Queryable,
    upTo: CorrelationCursor,
    from: Date,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<SiteEventRow[]> {
    const { rows } = await q.query<SiteEventRow>(
      `SELECT ${SITE_EVENT_COLUMNS} FROM events e
        WHERE e.occurred_at >= $1
          AND (e.ingest_xid IS NULL OR (e.ingest_xid, e.id) <= ($2::xid8, $3::bigint))
          AND ($4::timestamptz IS NULL OR (e.occurred_at, e.id) > ($4, $5::bigint))
          AND NOT EXISTS (SELECT 1 FROM event_holds h WHERE h.event_id = e.id)
        ORDER BY e.occurred_at, e.id
        LIMIT $6`,
      [from, upTo.xid, upTo.eventId, after?.at ?? null, after?.id ?? null, limit],
    );
    return rows;
  },

  /**
   * Moves the cursor, if it is still where this correlator left it: a correlator that lost its
   * lease without noticing finds it moved and writes nothing.
   */
  async advance(q: Queryable, from: CorrelationCursor, to: CorrelationCursor): Promise<boolean> {
    const result = await q.query(
      `UPDATE correlation_cursor SET xid = $3::xid8, event_id = $4, updated_at = now()
        WHERE id = 1 AND xid = $1::xid8 AND event_id = $2`,
      [from.xid, from.eventId, to.xid, to.eventId],
    );
    return result.rowCount === 1;
  },

  /**
   * What a step needs of the events its matches name, by stored id, in one read: kind and zone
   * (to plan), the unresolved incident folding put each in (not a rule's, read without locks),
   * and what binds it into a timeline entry (its payload hash).
   *
   * `receivedSince` is where to look: the caller's bound on when they were received, which
   * leaves the older partitions out. It only saves work: any named event not found after it is
   * read again without the bound, so every stored event named is returned whatever the bound.
   */
  async matchedEvents(
    q: Queryable,
    ids: readonly string[],
    receivedSince: Date,
  ): Promise<Map<string, MatchedEventRow>> {
    const read = async (wanted: readonly string[], since: Date) =>
      (await q.query<MatchedEventRow>(prepared('correlator-matched-events', MATCHED_EVENTS, [wanted, since]))).rows;
    const found = new Map((await read(ids, receivedSince)).map((r) => [String(r.id), r]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) for (const r of await read(missing, new Date(0))) found.set(String(r.id), r);
    return found;
  },

  /** The unresolved rule incidents of these groups ("site/group key" pairs) last seen since `since`, locked. */
  async lockRuleIncidents(
    tx: Queryable,
    ruleGroups: { siteId: string; groupKey: string }[],
    since: Date,
  ): Promise<Incident[]> {
    const { rows } = await tx.query<IncidentRow>(
      `SELECT i.* FROM incident_spans s JOIN incidents i ON i.id = s.incident_id
        WHERE i.status <> 'resolved' AND s.seen_until >= $3 AND i.last_seen_at >= $3
          AND (s.site_id, s.group_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        ORDER BY i.id
        FOR UPDATE OF i`,
      [ruleGroups.map((g) => g.siteId), ruleGroups.map((g) => g.groupKey), since],
    );
    return rows.map(toIncident);
  },

  /** These incidents, locked (or read without locks), in id order. */
  async incidents(tx: Queryable, ids: readonly string[], { lock }: { lock: boolean }): Promise<Incident[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<IncidentRow>(
      `SELECT * FROM incidents WHERE id = ANY($1::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
      [ids],
    );
    return rows.map(toIncident);
  },

  /**
   * Writes what matching changed, as a fold writes its changes (incidentWrites.applyFold, after
   * the chain heads): incidents opened and changed, links, timeline entries hashed into their
   * chains; then the changes' live messages, in a statement of their own and last.
   *
   * Appending a live message locks its site's counter row until commit, and a step touches
   * nearly every site. In the writing statement that lock would be held while the links and
   * timeline are written, and the ingest pipeline, whose every transaction appends to those
   * counters, would wait for all of it; appended last, it is held only for the append and
   * the commit. The step pays one round trip more; the events waiting to be stored do not.
   * Returns the live messages, numbered (for CommittedLive, once committed).
   */
  async apply(
    tx: Queryable,
    changes: readonly MatchChange[],
    at: Date,
    matched: ReadonlyMap<string, MatchedEventRow>,
  ): Promise<LiveMessage[]> {
    const opened = changes.filter((c) => c.type === 'opened').map((c) => c.incident);
    const changed = changes.filter((c) => c.type !== 'opened').map((c) => c.incident);
    const links = changes.flatMap((c) => c.eventIds.map((eventId) => ({ incidentId: c.incident.id, eventId })));
    // The events matched, with their payload hashes (matchedEvents), for the entries that bind
    // them into the incidents' chains (event-binding.ts).
    const bound = new Map([...matched.values()].map((r) => [Number(r.id), boundEvent(r)]));
    // Hashed here, as the fold does (the trigger only checks each entry continues its chain).
    const entries: TimelineEntry[] = changes.flatMap((c) =>
      bindEvents(
        [
          ...c.entries.map((e) => ({ incidentId: c.incident.id, at, actor: 'system', ...e })),
          ...(c.type === 'escalated'
            ? [
                {
                  incidentId: c.incident.id,
                  at,
                  actor: 'system',
                  action: 'escalated',
                  details: { from: c.previousSeverity, to: c.incident.severity },
                },
              ]
            : []),
        ],
        0,
        c.eventIds,
        bound,
      ),
    );
    const heads = await incidentWrites.chainHeads(
      tx,
      changed.map((i) => i.id),
    );
    await incidentWrites.applyFold(tx, {
      opened,
      updated: changed,
      links,
      markFolded: [],
      foldedAt: at,
      timeline: chainTimeline(entries, heads),
    });
    return appendLiveMessages(
      tx,
      changes.map((c) => ({ type: c.type, incident: incidentView(c.incident) })),
    );
  },

  /**
   * The sensor outages of these sites that overlap [from, to], for rules that ask whether a
   * zone was blind: each subject's changes in the span and its last one before it.
   *
   * A subject whose newest change (kept on its own row: migration 1765210000000) came before
   * the span has no change in it, and that newest change is its last before it: it is read from
   * the row. Only the subjects that changed since `from` are looked up in the history, by their
   * index, so the read does not grow with the months of history kept (partitioned by when a
   * change was recorded, which `at` does not bound). Subjects without a row of their own cover
   * no zone, so they are not asked about.
   */
  async outages(q: Queryable, siteIds: readonly string[], from: Date, to: Date): Promise<SensorOutage[]> {
    if (siteIds.length === 0) return [];
    const changes = await q.query<HealthChangeRow>(prepared('correlator-outages', OUTAGE_CHANGES, [siteIds, from, to]));
    if (changes.rows.length === 0) return [];
    const coverage = await q.query<{ site_id: string; sensor_id: string; gateway_id: string; zones: string[] }>(
      `SELECT z.site_id, z.sensor_id, s.gateway_id, array_agg(z.zone ORDER BY z.zone) AS zones
         FROM sensor_zones z JOIN sensors s ON s.site_id = z.site_id AND s.id = z.sensor_id
        WHERE z.site_id = ANY($1) GROUP BY z.site_id, z.sensor_id, s.gateway_id`,
      [siteIds],
    );
    return siteIds.flatMap((siteId) =>
      outagesFromHealth(
        siteId,
        changes.rows.filter((c) => c.site_id === siteId).map(toHealthChange),
        coverage.rows
          .filter((c) => c.site_id === siteId)
          .map((c): ZoneCoverage => ({ sensorId: c.sensor_id, gatewayId: c.gateway_id, zones: c.zones })),
      ),
    );
  },
};
