import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { EnvSchema } from '../src/config/env.schema';
import { CHAIN_GENESIS, timelineCanonical } from '../src/domain/audit/canonical-json';
import { HISTORY_PROPORTIONS as P, planHistory, type HistoryChunk, type HistoryOptions } from './history-plan';

export interface HistoryLoadResult {
  events: number;
  chunks: number;
  workers: number;
  from: string;
  to: string;
  sites: number;
  /** Rows written per table. */
  rows: Record<string, number>;
  loadMs: number;
  eventsPerSec: number;
  rowsPerSec: number;
  /** VACUUM ANALYZE of the growing tables after the load (what autovacuum would do in time). */
  vacuumMs: number;
}

/**
 * Writes months of history straight into OreGuard's database, in SQL (generate_series), as the
 * fold would have left it: sites and gateways, events (folded, with raw payloads), incidents
 * with their spans (the incidents trigger), incident_events links, timeline entries that bind
 * their events (the timeline trigger chains and hashes them, so /verify accepts them), live
 * messages numbered after each site's last seq, rejected events and health changes. Everything
 * goes in through the parent tables by column name, so it works whether they are partitioned
 * or not, and every index OreGuard's migrations made is maintained as it would be.
 *
 * History events carry no ingest_xid (the correlator reads only events that have one: history
 * is not new to it) and no gateway seq (gap tracking is left alone). OreGuard must not be
 * running while this loads: its live tail would send every history message to the sockets.
 */
export async function loadHistory(
  databaseUrl: string,
  options: HistoryOptions,
  log: (message: string) => void,
): Promise<HistoryLoadResult> {
  const chunks = planHistory(options);
  const workers = Math.max(...chunks.map((c) => c.worker)) + 1;
  const sites = [...new Set(chunks.flatMap((c) => c.siteIds))];
  const started = Date.now();
  const rows: Record<string, number> = {};
  const add = (counts: Record<string, number>) => {
    for (const [k, v] of Object.entries(counts)) rows[k] = (rows[k] ?? 0) + v;
  };

  const setup = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
  await setup.connect();
  try {
    await registerSites(setup, sites);
    await makePartitions(setup, new Date(options.endAt.getTime() - options.months * 30 * 86_400_000), options.endAt);
  } finally {
    await setup.end();
  }

  let done = 0;
  let lastLog = Date.now();
  const queues = Array.from({ length: workers }, (_, w) => chunks.filter((c) => c.worker === w));
  await Promise.all(
    queues.map(async (queue) => {
      const client = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
      await client.connect();
      try {
        await client.query(`SET synchronous_commit = off`);
        for (const chunk of queue) {
          add(await loadChunk(client, chunk));
          done += chunk.events;
          if (Date.now() - lastLog > 15_000) {
            lastLog = Date.now();
            const rate = Math.round((done * 1000) / (Date.now() - started));
            log(
              `history: ${done.toLocaleString('en-US')} of ${options.events.toLocaleString('en-US')} events (${rate}/s)`,
            );
          }
        }
      } finally {
        await client.end();
      }
    }),
  );
  const loadMs = Date.now() - started;

  const vacuumStarted = Date.now();
  const client = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
  await client.connect();
  try {
    for (const table of [
      'events',
      'incident_events',
      'incidents',
      'incident_spans',
      'incident_timeline',
      'live_messages',
      'rejected_events',
      'sensor_health_changes',
    ]) {
      await client.query(`VACUUM (ANALYZE) ${table}`);
    }
    await vouchForHistory(client, new Date(options.endAt.getTime() - options.months * 30 * 86_400_000));
  } finally {
    await client.end();
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return {
    events: options.events,
    chunks: chunks.length,
    workers,
    from: chunks.reduce((a, c) => (c.from < a ? c.from : a), chunks[0].from).toISOString(),
    to: chunks.reduce((a, c) => (c.to > a ? c.to : a), chunks[0].to).toISOString(),
    sites: sites.length,
    rows,
    loadMs,
    eventsPerSec: Math.round((options.events * 1000) / loadMs),
    rowsPerSec: Math.round((total * 1000) / loadMs),
    vacuumMs: Date.now() - vacuumStarted,
  };
}

/**
 * The history's events arrived 12 ms after they occurred, well within the event-time bounds
 * (migration 1765110000000): say so, so that queries by event time prune over them as over
 * events OreGuard stored itself (the bounds hold from `bounded_since`, the migration's time,
 * which the history predates). Nothing to do on a schema without the bounds.
 */
export async function vouchForHistory(client: Client, from: Date): Promise<void> {
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT to_regclass('event_time_bounds') IS NOT NULL AS present`,
  );
  if (rows[0].present)
    await client.query(`UPDATE event_time_bounds SET bounded_since = LEAST(bounded_since, $1::timestamptz)`, [from]);
}

/**
 * The partitions the history falls in, of the span the bench's OreGuard runs with (its
 * PARTITION_SPAN default, or BENCH_ENV_PARTITION_SPAN), made before it is loaded (OreGuard makes them only
 * from a week back): rows without their partition would wait in the default one, and moving them
 * out later costs as much as the load.
 */
const PARTITION_SPAN = EnvSchema.shape.PARTITION_SPAN.parse(process.env.BENCH_ENV_PARTITION_SPAN);

async function makePartitions(client: Client, from: Date, until: Date): Promise<void> {
  for (const table of ['events', 'live_messages', 'rejected_events', 'sensor_health_changes']) {
    await client.query(`SELECT oreguard_ensure_partitions($1, $2, $3, $4)`, [table, PARTITION_SPAN, from, until]);
  }
}

/** Sites and gateways of history that OreGuard does not know yet (the bench's own exist already). */
async function registerSites(client: Client, sites: string[]): Promise<void> {
  await client.query(
    `INSERT INTO sites (id, name, time_zone, created_at, registered_at)
     SELECT s, 'History site ' || s, 'UTC', now() - interval '400 days', NULL FROM unnest($1::text[]) s
     ON CONFLICT (id) DO NOTHING`,
    [sites],
  );
  await client.query(
    `INSERT INTO gateways (site_id, id, created_at)
     SELECT s, 'gw-' || g, now() - interval '400 days' FROM unnest($1::text[]) s, generate_series(1, $2::int) g
     ON CONFLICT (site_id, id) DO NOTHING`,
    [sites, P.gatewaysPerSite],
  );
}

/**
 * One chunk in one transaction: n events spread evenly over [from, to) and over the chunk's sites;
 * each site's events, in time order, fold by runs of eventsPerIncident into incidents of one kind.
 * Each event is stored once with its key in event_keys, as every writer of events stores them
 * (src/database/events-once.ts): keys first (ON CONFLICT DO NOTHING RETURNING), then the events
 * whose key went in. The chunk's ids are drawn in `h` already, so the keys are written from it
 * rather than through claimEventKeys, which draws them itself.
 */
async function loadChunk(client: Client, chunk: HistoryChunk): Promise<Record<string, number>> {
  const params = [chunk.siteIds, chunk.from, chunk.to, chunk.events, chunk.index];
  const count = async (sql: string, values: unknown[] = []) => (await client.query(sql, values)).rowCount ?? 0;
  await client.query('BEGIN');
  try {
    // The chunk's events, in one pass: the incident (site, k) each folds into, its kind (one per
    // incident), zone, sensor, severity and kind object.
    await client.query(
      `CREATE TEMP TABLE h ON COMMIT DROP AS
       SELECT y.*,
              CASE kind WHEN 'drone' THEN (ARRAY['tailings-east','pit-2','plant'])[1 + (k % 3)]
                        WHEN 'theft' THEN (ARRAY['north-fence','ore-yard','store-room'])[1 + (k % 3)] END AS zone,
              CASE kind WHEN 'drone' THEN (ARRAY['radar-1','rf-mast-1','rf-mast-2'])[1 + (g % 3)]
                        WHEN 'cyber' THEN CASE WHEN r2 < 0.7 THEN 'ids-ot-1' ELSE 'ids-it-1' END
                        ELSE (ARRAY['fence-north-4','cam-yard-2','door-store-1'])[1 + (g % 3)] END AS sensor_id,
              CASE kind WHEN 'drone' THEN CASE WHEN r1 < 0.3 THEN 'low' WHEN r1 < 0.8 THEN 'medium' ELSE 'high' END
                        WHEN 'cyber' THEN CASE WHEN r1 < 0.4 THEN 'low' WHEN r1 < 0.8 THEN 'medium' WHEN r1 < 0.95 THEN 'high' ELSE 'critical' END
                        ELSE CASE WHEN r1 < 0.4 THEN 'medium' WHEN r1 < 0.9 THEN 'high' ELSE 'critical' END END AS severity,
              CASE kind
                WHEN 'drone' THEN jsonb_build_object('detection', 'radar', 'trackId', 'trk-' || k,
                   'position', jsonb_build_object('lat', round((-10.72 + r1 / 200)::numeric, 6), 'lon', round((25.47 + r2 / 200)::numeric, 6),
                                                  'altM', round((80 + r1 * 20)::numeric, 1)),
                   'headingDeg', (r2 * 360)::int, 'speedMps', 12, 'confidence', round((0.5 + r1 / 2)::numeric, 2))
                WHEN 'cyber' THEN jsonb_build_object('category', 'ics-write', 'signature', 'Modbus write to holding registers from unknown host',
                   'signatureId', 9100001 + (k % 7), 'srcIp', '10.20.' || (g % 8) || '.' || (1 + g % 250), 'srcPort', 1024 + (r2 * 60000)::int,
                   'dstIp', '10.30.1.' || (1 + k % 40), 'dstPort', 502, 'protocol', 'TCP', 'network', 'ot', 'asset', 'plc-' || (1 + k % 12))
                ELSE jsonb_build_object('category', 'perimeter_breach', 'description', 'Sensor alarm raised by the gateway') END AS details,
              NULL::uuid AS incident_id
         FROM (SELECT x.*,
                      CASE WHEN x.ik < ${P.kinds.drone} THEN 'drone' WHEN x.ik < ${P.kinds.drone + P.kinds.cyber} THEN 'cyber' ELSE 'theft' END AS kind
                 FROM (SELECT g, ($1::text[])[1 + g % cardinality($1::text[])] AS site_id,
                              (g / cardinality($1::text[])) / ${P.eventsPerIncident} AS k,
                              'gw-' || (1 + (g / cardinality($1::text[])) % ${P.gatewaysPerSite}) AS gateway_id,
                              $2::timestamptz + ($3::timestamptz - $2::timestamptz) * (g::float8 / $4::int) AS occurred_at,
                              gen_random_uuid() AS event_id, nextval(pg_get_serial_sequence('events', 'id')) AS id,
                      random() AS r1, random() AS r2,
                              ((hashtext(($1::text[])[1 + g % cardinality($1::text[])] || ':' || $5::int || ':' ||
                                         (g / cardinality($1::text[])) / ${P.eventsPerIncident}) & 2147483647) % 1000) / 1000.0 AS ik
                         FROM generate_series(0, $4::int - 1) g) x) y`,
      params,
    );
    await client.query('ANALYZE h');
    // Incidents: one per (site, k), answered (resolved or acknowledged), opened when their first event folded.
    await client.query(
      `CREATE TEMP TABLE hi ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, site_id, k, min(kind) AS kind, min(zone) AS zone, count(*)::int AS n,
              min(occurred_at) AS first_seen_at, max(occurred_at) AS last_seen_at,
              max(CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END) AS severity_rank,
              ((hashtext(site_id || ':' || $1::int || ':resolved:' || k) & 2147483647) % 1000) / 1000.0 < ${P.resolvedShare} AS resolved
         FROM h GROUP BY site_id, k`,
      [chunk.index],
    );
    await client.query('ANALYZE hi');
    await client.query(`UPDATE h SET incident_id = hi.id FROM hi WHERE hi.site_id = h.site_id AND hi.k = h.k`);
    const incidents = await count(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, zones, event_count,
                              first_seen_at, last_seen_at, opened_at, acknowledged_at, acknowledged_by, resolved_at, resolution, updated_at)
       SELECT id, site_id, CASE kind WHEN 'drone' THEN 'drone:hist-' || id ELSE kind END,
              CASE kind WHEN 'drone' THEN 'Drone activity' WHEN 'cyber' THEN 'Cyber activity' ELSE 'Theft activity' END
                || ' at ' || site_id || coalesce(', ' || zone, ''),
              (ARRAY['info','low','medium','high','critical'])[1 + severity_rank], severity_rank,
              CASE WHEN resolved THEN 'resolved' ELSE 'acknowledged' END,
              ARRAY[kind], ARRAY[kind || '-activity'], CASE WHEN zone IS NULL THEN '{}' ELSE ARRAY[zone] END, n,
              first_seen_at, last_seen_at, first_seen_at + interval '40 ms', first_seen_at + interval '4 minutes', 'bench-lead',
              CASE WHEN resolved THEN last_seen_at + interval '30 minutes' END,
              CASE WHEN resolved THEN (ARRAY['true_positive','false_positive','duplicate'])[1 + (k % 3)] END,
              CASE WHEN resolved THEN last_seen_at + interval '30 minutes' ELSE greatest(last_seen_at, first_seen_at + interval '4 minutes') END
         FROM hi`,
    );
    // Events, as the fold leaves them (folded), linked to their incidents; the links keep each event's payload hash for the timeline.
    await client.query(`CREATE TEMP TABLE hb (id bigint, incident_id uuid, event jsonb) ON COMMIT DROP`);
    const events = await count(
      `WITH keys AS (
         INSERT INTO event_keys (site_id, gateway_id, event_id, id, received_at)
         SELECT site_id, gateway_id, event_id, id, occurred_at + interval '12 ms' FROM h
         ON CONFLICT DO NOTHING RETURNING id
       ), ins AS (
         INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at, received_at, stored_at,
                             source, late, details, topic, raw_payload, folded_at, ingest_xid)
         OVERRIDING SYSTEM VALUE
         SELECT id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, NULL, occurred_at,
                occurred_at + interval '12 ms', occurred_at + interval '30 ms', 'canonical', false, details,
                'sites/' || site_id || '/gateways/' || gateway_id || '/events',
                jsonb_build_object('eventId', event_id, 'sensorId', sensor_id, 'kind', kind, 'severity', severity, 'zone', zone,
                                   'occurredAt', ${iso('occurred_at')}, kind, details)::text,
                occurred_at + interval '40 ms', NULL
           FROM h WHERE id IN (SELECT id FROM keys) ORDER BY occurred_at
         RETURNING id, event_id, site_id, gateway_id, encode(sha256(convert_to(raw_payload, 'UTF8')), 'hex') AS sha
       )
       INSERT INTO hb SELECT ins.id, h.incident_id,
              jsonb_build_object('id', ins.id, 'eventId', ins.event_id, 'siteId', ins.site_id, 'gatewayId', ins.gateway_id, 'payloadSha256', ins.sha)
         FROM ins JOIN h ON h.id = ins.id`,
      [],
    );
    await client.query('ANALYZE hb');
    const links = await count(`INSERT INTO incident_events (incident_id, event_id) SELECT incident_id, id FROM hb`);
    // Timeline: 'opened' then 'events-joined' entries binding the events (one per eventsPerJoinEntry, at most
    // maxJoinEntries), then 'acknowledged' and 'resolved'. They are hashed here, as the fold hashes its entries
    // (OreGuard's own canonical form): the trigger then only checks that each continues its incident's chain,
    // instead of writing the canonical JSON of every bound event in SQL, which was most of the load's time.
    await client.query(
      `CREATE TEMP TABLE ht ON COMMIT DROP AS
       WITH parts AS (
         SELECT hb.incident_id, hi.first_seen_at, hi.n,
                (row_number() OVER (PARTITION BY hb.incident_id ORDER BY hb.id) - 1) * least(${P.maxJoinEntries}, greatest(1, ceil(hi.n / ${P.eventsPerJoinEntry}.0)))::int / hi.n AS part,
                hb.event
           FROM hb JOIN hi ON hi.id = hb.incident_id
       ), entries AS (
         SELECT incident_id, part AS ord,
                CASE WHEN part = 0 THEN min(first_seen_at) + interval '40 ms' ELSE min(first_seen_at) + (part * interval '1 minute') END AS at,
                'system' AS actor, CASE WHEN part = 0 THEN 'opened' ELSE 'events-joined' END AS action,
                CASE WHEN part = 0 THEN jsonb_build_object('severity', 'medium', 'events', jsonb_agg(event))
                     ELSE jsonb_build_object('eventCount', count(*), 'events', jsonb_agg(event)) END AS details
           FROM parts GROUP BY incident_id, part
         UNION ALL
         SELECT id, 10, first_seen_at + interval '4 minutes', 'bench-lead', 'acknowledged', '{}'::jsonb FROM hi
         UNION ALL
         SELECT id, 11, last_seen_at + interval '30 minutes', 'bench-lead', 'resolved',
                jsonb_build_object('resolution', (ARRAY['true_positive','false_positive','duplicate'])[1 + (k % 3)])
           FROM hi WHERE resolved
       )
       SELECT incident_id, ord, date_trunc('milliseconds', at) AS at, actor, action, details FROM entries`,
    );
    const chained = chainTimeline(
      (
        await client.query<TimelineRow>(
          `SELECT incident_id, ord, at, actor, action, details FROM ht ORDER BY incident_id, ord`,
        )
      ).rows,
    );
    const timeline = await count(
      `INSERT INTO incident_timeline (incident_id, at, actor, action, details, chain_seq, prev_hash, hash)
       SELECT ht.incident_id, ht.at, ht.actor, ht.action, ht.details, c.seq, c.prev_hash, c.hash
         FROM ht JOIN unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[]) c(incident_id, ord, seq, prev_hash, hash)
              USING (incident_id, ord)
        ORDER BY ht.incident_id, ht.ord`,
      [chained.incidentIds, chained.ords, chained.seqs, chained.prevHashes, chained.hashes],
    );
    // Live messages: one per timeline entry, numbered after each site's last seq (site counters in site order).
    const live = await count(
      `WITH msgs AS (
         SELECT hi.site_id, hi.id AS incident_id, t.type, t.ord, t.at,
                jsonb_build_object('id', i.id, 'siteId', i.site_id, 'title', i.title, 'severity', i.severity, 'status', i.status,
                                   'kinds', i.kinds, 'ruleIds', i.rule_ids, 'zones', i.zones, 'eventCount', i.event_count,
                                   'firstSeenAt', ${iso('i.first_seen_at')}, 'lastSeenAt', ${iso('i.last_seen_at')}, 'openedAt', ${iso('i.opened_at')},
                                   'acknowledgedAt', ${iso('i.acknowledged_at')}, 'acknowledgedBy', i.acknowledged_by, 'assignee', i.assignee,
                                   'resolvedAt', ${iso('i.resolved_at')}, 'resolution', i.resolution) AS payload
           FROM hi JOIN incidents i ON i.id = hi.id
           CROSS JOIN LATERAL (
             SELECT 'opened' AS type, 0 AS ord, hi.first_seen_at AS at
             UNION ALL SELECT 'updated', p, hi.first_seen_at + p * interval '1 minute'
               FROM generate_series(1, least(${P.maxJoinEntries}, greatest(1, ceil(hi.n / ${P.eventsPerJoinEntry}.0)))::int - 1) p
             UNION ALL SELECT 'acknowledged', 10, hi.first_seen_at + interval '4 minutes'
             UNION ALL SELECT 'resolved', 11, hi.last_seen_at + interval '30 minutes' WHERE hi.resolved
           ) t
       ), numbered AS (
         SELECT *, row_number() OVER (PARTITION BY site_id ORDER BY at, incident_id, ord) AS k, count(*) OVER (PARTITION BY site_id) AS n FROM msgs
       ), streams AS (
         INSERT INTO site_streams (site_id, last_seq)
         SELECT site_id, count(*) FROM msgs GROUP BY site_id ORDER BY site_id
         ON CONFLICT (site_id) DO UPDATE SET last_seq = site_streams.last_seq + EXCLUDED.last_seq
         RETURNING site_id, last_seq
       )
       INSERT INTO live_messages (site_id, seq, type, incident_id, payload, created_at)
       SELECT m.site_id, s.last_seq - m.n + m.k, m.type, m.incident_id, m.payload, m.at
         FROM numbered m JOIN streams s USING (site_id)`,
    );
    const rejected = await count(
      `INSERT INTO rejected_events (received_at, topic, site_id, gateway_id, reason, payload, payload_bytes)
       SELECT occurred_at, 'sites/' || site_id || '/gateways/' || gateway_id || '/events', site_id, gateway_id,
              'occurredAt: must be an ISO 8601 UTC time', p, octet_length(p)
         FROM (SELECT *, '{"eventId":"' || event_id || '","sensorId":"' || sensor_id || '","kind":"' || kind || '","occurredAt":"yesterday"}' AS p
                 FROM h WHERE g % ${Math.round(1 / P.rejectedPerEvent)} = 7) x`,
    );
    const health = await count(
      `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason, recorded_at)
       SELECT site_id, gateway_id, 'sensor', sensor_id, (ARRAY['fault','ok','offline'])[1 + (g / ${Math.round(1 / P.healthChangesPerEvent)}) % 3],
              occurred_at, 'heartbeat reported state change', occurred_at + interval '30 ms'
         FROM h WHERE g % ${Math.round(1 / P.healthChangesPerEvent)} = 11`,
    );
    await client.query('COMMIT');
    return {
      events,
      incidents,
      incident_events: links,
      incident_timeline: timeline,
      live_messages: live,
      rejected_events: rejected,
      sensor_health_changes: health,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

interface TimelineRow {
  incident_id: string;
  ord: number;
  at: Date;
  actor: string;
  action: string;
  details: unknown;
}

/**
 * Each history incident's timeline entries (in order, `ord`) as one chain from its start: its
 * position, the previous entry's hash and its own, in OreGuard's canonical form (what /verify
 * recomputes). History incidents are new in their chunk, so every chain starts at genesis.
 */
export function chainTimeline(rows: TimelineRow[]): {
  incidentIds: string[];
  ords: number[];
  seqs: number[];
  prevHashes: string[];
  hashes: string[];
} {
  const out = {
    incidentIds: [] as string[],
    ords: [] as number[],
    seqs: [] as number[],
    prevHashes: [] as string[],
    hashes: [] as string[],
  };
  let incident = '';
  let seq = 0;
  let prevHash = CHAIN_GENESIS;
  for (const row of rows) {
    if (row.incident_id !== incident) {
      incident = row.incident_id;
      seq = 0;
      prevHash = CHAIN_GENESIS;
    }
    seq += 1;
    const hash = createHash('sha256')
      .update(
        timelineCanonical({
          incidentId: row.incident_id,
          seq,
          at: row.at.toISOString(),
          actor: row.actor,
          action: row.action,
          details: row.details,
          prevHash,
        }),
        'utf8',
      )
      .digest('hex');
    out.incidentIds.push(row.incident_id);
    out.ords.push(row.ord);
    out.seqs.push(seq);
    out.prevHashes.push(prevHash);
    out.hashes.push(hash);
    prevHash = hash;
  }
  return out;
}

/** A timestamp as JavaScript's toISOString writes it (what OreGuard's payloads carry). */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
