import type { PoolClient } from 'pg';
import { prepared } from 'src/database/db';
import type { GatewayStatus } from 'src/domain/events/gateway-status.schema';
import type { SiteEvent } from 'src/domain/events/site-event';
import type { AssemblyOptions, RemoteIdEventMetadata } from 'src/domain/remote-id/remote-id-assembler';
import type { RemoteIdReport } from 'src/domain/remote-id/remote-id-report';
import { applyStatusReport, type HealthEffect, type HealthOptions } from 'src/health/health-changes';
import { foldColumns, type FoldRow } from 'src/correlation/fold-row';
import { appendLiveMessages, type NewLiveMessage } from 'src/live/live-log';
import { assembleRemoteIdBatch } from './remote-id-memory';

/** What one MQTT message asks the store to keep. */
export type StoreRequest =
  | {
      type: 'event';
      event: SiteEvent;
      topic: string;
      raw: string;
      receivedAt: Date;
      late: boolean;
      /** Signed by a gateway that must sign: a replay (event id seen with other bytes, or late) is rejected. */
      signed?: boolean;
    }
  | { type: 'status'; siteId: string; gatewayId: string; status: GatewayStatus; receivedAt: Date; raw: string }
  /** A Remote ID payload: assembled with the transmitter's memory in the same transaction, zero or more events. */
  | {
      type: 'remoteid';
      report: RemoteIdReport;
      topic: string;
      raw: string;
      receivedAt: Date;
      assembly: AssemblyOptions & { allowedLatenessMs: number };
    }
  | {
      type: 'rejected';
      topic: string;
      siteId?: string;
      gatewayId?: string;
      reason: string;
      payload: Buffer;
      receivedAt: Date;
    }
  | { type: 'ignored'; reason: string };

/** A jump in a gateway's seq: the numbers never seen. */
export interface SeqGap {
  siteId: string;
  gatewayId: string;
  fromSeq: number;
  toSeq: number;
}

export type StoreOutcome =
  | { type: 'stored'; id: number; gap?: SeqGap }
  /** A Remote ID payload: the ids of the events it made (in order) and of those newly stored. */
  | { type: 'remoteid'; eventIds: string[]; storedIds: number[]; possibleSpoofs: string[] }
  | { type: 'duplicate' }
  /** `reason` when the store itself refused it (a replay); otherwise the request's own reason. */
  | { type: 'rejected'; reason?: string }
  | { type: 'status'; health: HealthEffect[] }
  | { type: 'ignored' };

/** The events a batch newly stored (not duplicates), by site: what is to be folded. */
export function storedEventsBySite(requests: readonly StoreRequest[], outcomes: readonly StoreOutcome[]): Map<string, number[]> {
  const bySite = new Map<string, number[]>();
  const keep = (siteId: string, ids: number[]) => {
    if (ids.length === 0) return;
    const list = bySite.get(siteId) ?? [];
    list.push(...ids);
    bySite.set(siteId, list);
  };
  outcomes.forEach((outcome, i) => {
    const request = requests[i];
    if (outcome.type === 'stored' && request.type === 'event') keep(request.event.siteId, [outcome.id]);
    if (outcome.type === 'remoteid' && request.type === 'remoteid') keep(request.report.siteId, outcome.storedIds);
  });
  return bySite;
}

/** The (site, kind) groups a batch's events may fall in: a Remote ID payload makes drone events. */
export function foldGroupsOf(requests: readonly StoreRequest[]): { siteId: string; kind: string }[] {
  const groups = new Map<string, { siteId: string; kind: string }>();
  for (const r of requests) {
    const group =
      r.type === 'event' ? { siteId: r.event.siteId, kind: r.event.kind } : r.type === 'remoteid' ? { siteId: r.report.siteId, kind: 'drone' } : undefined;
    if (group) groups.set(`${group.siteId}/${group.kind}`, group);
  }
  return [...groups.values()];
}

/** The first 4 KiB of a rejected payload, as text PostgreSQL can hold. */
export const REJECTED_PAYLOAD_BYTES = 4096;

export function rejectedPayloadText(payload: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false })
    .decode(payload.subarray(0, REJECTED_PAYLOAD_BYTES))
    .replace(/\u0000/g, '\uFFFD');
}

const eventKey = (e: SiteEvent) => `${e.siteId}/${e.gatewayId}/${e.eventId}`;

/** One event to insert and the request (by index) it came from. */
interface EventRow {
  index: number;
  event: SiteEvent;
  late: boolean;
  topic: string;
  raw: string;
  receivedAt: Date;
  remoteId?: RemoteIdEventMetadata;
}

/**
 * The batch's events in one INSERT; the first copy of a key wins, and a key already stored
 * (a redelivery) is left alone. $1: the events as one JSON array (eventRecords), which
 * JSON.stringify writes natively: as arrays of text, the raw payloads and kind objects would
 * be escaped element by element in JavaScript. $2: folded_at, set when the batch folds them inline.
 */
const INSERT_EVENTS = `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at,
                             received_at, source, late, details, topic, raw_payload, remote_id, folded_at)
         SELECT u.site_id, u.gateway_id, u.event_id, u.sensor_id, u.kind, u.severity, u.zone, u.seq, u.occurred_at,
                u.received_at, u.source, u.late, u.details, u.topic, u.raw_payload, u.remote_id, $2::timestamptz
           FROM json_to_recordset($1::json)
             AS u(site_id text, gateway_id text, event_id uuid, sensor_id text, kind text, severity text, zone text,
                  seq bigint, occurred_at timestamptz, received_at timestamptz, source text, late boolean,
                  details jsonb, topic text, raw_payload text, remote_id jsonb)
         ON CONFLICT ON CONSTRAINT events_identity DO NOTHING`;

/** The events as INSERT_EVENTS reads them ($1), one object each, in order. */
function eventRecords(events: readonly EventRow[]): string {
  return JSON.stringify(
    events.map((c) => ({
      site_id: c.event.siteId,
      gateway_id: c.event.gatewayId,
      event_id: c.event.eventId,
      sensor_id: c.event.sensorId,
      kind: c.event.kind,
      severity: c.event.severity ?? null,
      zone: c.event.zone ?? null,
      seq: c.event.seq ?? null,
      occurred_at: c.event.occurredAt,
      received_at: c.receivedAt,
      source: c.event.source,
      late: c.late,
      details: c.event.drone ?? c.event.cyber ?? c.event.theft ?? {},
      topic: c.topic,
      raw_payload: c.raw,
      remote_id: c.remoteId ?? null,
    })),
  );
}

/**
 * INSERT_EVENTS, and in the same statement the gaps in each gateway's seq: a newly stored
 * event whose seq is more than one past the highest seen from its gateway (before it, in
 * arrival order, which is the order of the new ids) marks a gap; a lower one (late, out of
 * order) is not one. The gateway's highest seq moves on; a gateway's first seq is no gap.
 * Returns the stored events (`returning`, plus their seq) with the gap each marks, if any.
 */
function insertEventsAndGaps(returning: string): string {
  return `WITH ins AS (${INSERT_EVENTS} RETURNING ${returning}, seq),
       seq_batch AS (
         SELECT site_id, gateway_id, event_id, seq,
                max(seq) OVER (PARTITION BY site_id, gateway_id ORDER BY id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
           FROM ins WHERE seq IS NOT NULL
       ),
       seq_seen AS (
         SELECT b.site_id, b.gateway_id, b.event_id, b.seq,
                CASE WHEN g.last_seq IS NULL AND b.before_max IS NULL THEN NULL
                     ELSE GREATEST(g.last_seq, b.before_max) END AS highest
           FROM seq_batch b JOIN gateways g ON g.site_id = b.site_id AND g.id = b.gateway_id
       ),
       seq_gaps AS (
         INSERT INTO gateway_seq_gaps (site_id, gateway_id, from_seq, to_seq, detected_at)
         SELECT site_id, gateway_id, highest + 1, seq - 1, now() FROM seq_seen WHERE seq > highest + 1
       ),
       seq_moved AS (
         UPDATE gateways g SET last_seq = GREATEST(g.last_seq, m.top)
           FROM (SELECT site_id, gateway_id, max(seq) AS top FROM seq_batch GROUP BY site_id, gateway_id) m
          WHERE g.site_id = m.site_id AND g.id = m.gateway_id
       )
       SELECT ins.*, gap.highest + 1 AS gap_from, gap.seq - 1 AS gap_to
         FROM ins LEFT JOIN seq_seen gap
           ON gap.site_id = ins.site_id AND gap.gateway_id = ins.gateway_id AND gap.event_id = ins.event_id
          AND gap.seq > gap.highest + 1`;
}

/** A stored event as insertEventsAndGaps returns it (for a batch folded inline, also a FoldRow). */
interface StoredEventRow {
  id: string;
  site_id: string;
  gateway_id: string;
  event_id: string;
  gap_from: string | null;
  gap_to: string | null;
}

/** Returns the ids of the events it stored. */
const INSERT_EVENTS_RETURNING_IDS = insertEventsAndGaps('id, site_id, gateway_id, event_id');

/** Returns the events it stored as folding reads them, for a batch folded inline: no read after. */
const INSERT_EVENTS_RETURNING_FOLD_ROWS = insertEventsAndGaps(foldColumns('details'));

export const REPLAYED_ID_REASON = 'eventId: already seen (replay)';
export const REPLAYED_LATE_REASON = 'occurredAt: older than the allowed lateness (replay)';

type EventRequest = Extract<StoreRequest, { type: 'event' }>;
type RejectedRequest = Extract<StoreRequest, { type: 'rejected' }>;

/** A batch whose new events the caller folds in the same transaction. */
export interface InlineFoldStore {
  /** Stored as the events' folded_at. */
  foldedAt: Date;
  /** The fold locks of the batch's groups (fold-locks.ts), taken first thing. */
  lockKeys: readonly string[];
}

export interface StoredBatch {
  /** One per request, in order. */
  outcomes: StoreOutcome[];
  /** With `inline`: the events newly stored, as folding reads them. */
  folding: FoldRow[];
}

/**
 * Writes one batch of ingested messages in the caller's transaction: registers sites,
 * gateways and sensors seen for the first time, assembles Remote ID payloads into events with
 * what is remembered of their transmitters, inserts the events (a redelivered one hits the
 * identity constraint and is reported as a duplicate), the rejected messages and status changes.
 *
 * inline: the caller folds the new events in this same transaction. Their fold locks are taken
 * first thing (before any incident or live-log row, as every fold takes them), they are stored
 * as folded, and the INSERT returns them as folding reads them, so nothing is read back.
 * Without it they are stored waiting to be folded.
 */
export async function storeBatch(
  tx: PoolClient,
  requests: readonly StoreRequest[],
  registry: RegistryCache,
  health: HealthOptions = { severity: 'high', topicPrefix: '' },
  inline?: InlineFoldStore,
): Promise<StoredBatch> {
  const outcomes: StoreOutcome[] = new Array(requests.length);
  await lockFoldGroupsAndGateways(tx, inline?.lockKeys ?? [], requests);
  await registry.ensure(tx, requests);

  // Signed events first: a replay (its id seen before with other bytes, or too late) is refused.
  const firstIndexByKey = new Map<string, number>();
  const firstCopies: { index: number; r: EventRequest }[] = [];
  const laterCopies: { index: number; r: EventRequest; first: number }[] = [];
  requests.forEach((r, index) => {
    if (r.type !== 'event') return;
    const key = eventKey(r.event);
    const first = firstIndexByKey.get(key);
    if (first !== undefined) {
      laterCopies.push({ index, r, first });
      return;
    }
    firstIndexByKey.set(key, index);
    firstCopies.push({ index, r });
  });
  const replays = await findReplays(tx, firstCopies);
  const refused: { index: number; r: RejectedRequest }[] = [];
  for (const { index, r } of firstCopies) {
    const verdict = replays.get(index);
    if (verdict === 'duplicate') outcomes[index] = { type: 'duplicate' };
    else if (verdict) refused.push({ index, r: asRejected(r, verdict) });
  }

  // Remote ID payloads become events here, with what is remembered of their transmitters.
  const remoteIdRequests = requests.flatMap((r, index) => (r.type === 'remoteid' ? [{ r, index }] : []));
  const remoteIdDrafts = remoteIdRequests.length
    ? await assembleRemoteIdBatch(tx, remoteIdRequests.map(({ r }) => r.report), remoteIdRequests[0]!.r.assembly)
    : [];

  // Every event of the batch to insert, canonical or assembled, with the request it came from.
  const candidates: EventRow[] = [];
  for (const { index, r } of firstCopies) {
    if (replays.has(index)) continue;
    candidates.push({ index, event: r.event, late: r.late, topic: r.topic, raw: r.raw, receivedAt: r.receivedAt });
  }
  remoteIdRequests.forEach(({ r, index }, i) => {
    for (const { event, remoteId } of remoteIdDrafts[i]!) {
      const late = r.receivedAt.getTime() - event.occurredAt.getTime() > r.assembly.allowedLatenessMs;
      candidates.push({ index, event, late, topic: r.topic, raw: r.raw, receivedAt: r.receivedAt, remoteId });
    }
  });

  // Events: one INSERT for the batch (INSERT_EVENTS).
  const firstKeys = new Set<string>();
  const events = candidates.filter((c) => {
    const key = eventKey(c.event);
    if (firstKeys.has(key)) return false;
    firstKeys.add(key);
    return true;
  });
  const storedIds = new Map<string, number>();
  const gaps = new Map<string, SeqGap>();
  let folding: FoldRow[] = [];
  if (events.length > 0) {
    const { rows } = await tx.query<StoredEventRow>(
      prepared(
        inline ? 'ingest-events-folding' : 'ingest-events',
        inline ? INSERT_EVENTS_RETURNING_FOLD_ROWS : INSERT_EVENTS_RETURNING_IDS,
        [eventRecords(events), inline?.foldedAt ?? null],
      ),
    );
    for (const row of rows) {
      const key = `${row.site_id}/${row.gateway_id}/${row.event_id}`;
      storedIds.set(key, Number(row.id));
      if (row.gap_from !== null) {
        gaps.set(key, { siteId: row.site_id, gatewayId: row.gateway_id, fromSeq: Number(row.gap_from), toSeq: Number(row.gap_to) });
      }
    }
    if (inline) folding = rows as unknown as FoldRow[];
  }
  const stored = events.filter((c) => storedIds.has(eventKey(c.event)));
  await registry.learnZones(tx, stored.map((c) => c.event));
  // A key stored by this INSERT belongs to the first candidate that carried it; later copies are duplicates.
  const owner = new Map(events.map((c) => [eventKey(c.event), c]));
  const storedBy = (c: EventRow) => (owner.get(eventKey(c.event)) === c ? storedIds.get(eventKey(c.event)) : undefined);
  const byRequest = new Map<number, EventRow[]>();
  for (const c of candidates) byRequest.set(c.index, [...(byRequest.get(c.index) ?? []), c]);
  for (const { index, r } of firstCopies) {
    const candidate = byRequest.get(index)?.[0];
    if (!candidate) continue; // a replay verdict was given above
    const id = storedBy(candidate);
    const gap = gaps.get(eventKey(r.event));
    outcomes[index] = id === undefined ? { type: 'duplicate' } : { type: 'stored', id, ...(gap && { gap }) };
  }
  remoteIdRequests.forEach(({ index }, i) => {
    const mine = byRequest.get(index) ?? [];
    outcomes[index] = {
      type: 'remoteid',
      eventIds: remoteIdDrafts[i]!.map((d) => d.event.eventId),
      storedIds: mine.map(storedBy).filter((id): id is number => id !== undefined),
      possibleSpoofs: remoteIdDrafts[i]!.filter((d) => d.remoteId.possibleSpoof).map((d) => d.event.eventId),
    };
  });
  // A later copy in the same batch: a duplicate of the first, unless signed with other bytes (a replay).
  for (const { index, r, first } of laterCopies) {
    const original = requests[first] as EventRequest;
    if (r.signed && r.raw !== original.raw) {
      refused.push({ index, r: asRejected(r, REPLAYED_ID_REASON) });
    } else {
      const verdict = replays.get(first);
      if (verdict && verdict !== 'duplicate') refused.push({ index, r: asRejected(r, verdict) });
      else outcomes[index] = { type: 'duplicate' };
    }
  }

  const rejected = [
    ...requests.flatMap((r, index) => (r.type === 'rejected' ? [{ r, index }] : [])),
    ...refused,
  ];
  if (rejected.length > 0) {
    await tx.query(
      `INSERT INTO rejected_events (received_at, topic, site_id, gateway_id, reason, payload, payload_bytes)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])`,
      [
        rejected.map(({ r }) => r.receivedAt),
        rejected.map(({ r }) => r.topic.replace(/\u0000/g, '\uFFFD')),
        rejected.map(({ r }) => r.siteId ?? null),
        rejected.map(({ r }) => r.gatewayId ?? null),
        rejected.map(({ r }) => r.reason.replace(/\u0000/g, '\uFFFD')),
        rejected.map(({ r }) => rejectedPayloadText(r.payload)),
        rejected.map(({ r }) => r.payload.length),
      ],
    );
    for (const { index, r } of rejected) {
      outcomes[index] = requests[index].type === 'rejected' ? { type: 'rejected' } : { type: 'rejected', reason: r.reason };
    }
  }

  // Statuses in arrival order (each is ordered by its own `at` as well); their live messages
  // are appended once, so site counters are locked in site order like every other writer.
  const live: NewLiveMessage[] = [];
  for (const [index, r] of requests.entries()) {
    if (r.type === 'status') {
      outcomes[index] = { type: 'status', health: await applyStatusReport(tx, r, health, live) };
    } else if (r.type === 'ignored') {
      outcomes[index] = { type: 'ignored' };
    }
  }
  await appendLiveMessages(tx, live);
  return { outcomes, folding };
}

/**
 * Replay rules for signed events (contract §1, "Signed events"), by index: an event id already
 * stored with other bytes is a replay; with the same bytes it is the broker or the gateway
 * delivering again what was committed (at least once), so a duplicate: nothing is lost and
 * the gateway's resend is answered as harmless. An event new to OreGuard that occurred longer
 * ago than the allowed lateness is a replay too. Unsigned events skip this (no query).
 */
async function findReplays(
  tx: PoolClient,
  candidates: readonly { index: number; r: EventRequest }[],
): Promise<Map<number, 'duplicate' | string>> {
  const verdicts = new Map<number, 'duplicate' | string>();
  const signed = candidates.filter(({ r }) => r.signed);
  if (signed.length === 0) return verdicts;
  const { rows } = await tx.query<{ i: number; same: boolean }>(
    `SELECT u.i, e.raw_payload = u.raw AS same
       FROM unnest($1::int[], $2::text[], $3::text[], $4::uuid[], $5::text[]) AS u(i, site_id, gateway_id, event_id, raw)
       JOIN events e ON e.site_id = u.site_id AND e.gateway_id = u.gateway_id AND e.event_id = u.event_id`,
    [
      signed.map(({ index }) => index),
      signed.map(({ r }) => r.event.siteId),
      signed.map(({ r }) => r.event.gatewayId),
      signed.map(({ r }) => r.event.eventId),
      signed.map(({ r }) => r.raw),
    ],
  );
  const seen = new Map(rows.map((row) => [row.i, row.same]));
  for (const { index, r } of signed) {
    const same = seen.get(index);
    if (same === true) verdicts.set(index, 'duplicate');
    else if (same === false) verdicts.set(index, REPLAYED_ID_REASON);
    else if (r.late) verdicts.set(index, REPLAYED_LATE_REASON);
  }
  return verdicts;
}

function asRejected(r: EventRequest, reason: string): RejectedRequest {
  return {
    type: 'rejected',
    topic: r.topic,
    siteId: r.event.siteId,
    gatewayId: r.event.gatewayId,
    reason,
    payload: Buffer.from(r.raw, 'utf8'),
    receivedAt: r.receivedAt,
  };
}

/**
 * The batch's locks, first thing in its transaction and in one statement:
 * - the fold locks of its groups when it folds inline (fold-locks.ts: sorted, before any
 *   incident or live-log row, as every fold takes them);
 * - then, sorted, the gateways whose status or seq it changes, so concurrent batches (shared
 *   subscriptions) and the heartbeat check never deadlock on them. FOR NO KEY UPDATE leaves
 *   events' foreign-key checks on the gateway unblocked. A gateway this batch registers is
 *   not in the table yet: its own uncommitted row keeps other batches off it.
 * The gateways are locked in a LATERAL subquery that reads the fold locks' count, so the fold
 * locks are always taken, and taken before any gateway (the count is one row even with none).
 */
async function lockFoldGroupsAndGateways(tx: PoolClient, foldLocks: readonly string[], requests: readonly StoreRequest[]): Promise<void> {
  const keys = new Set<string>();
  for (const r of requests) {
    if (r.type === 'status') keys.add(`${r.siteId}/${r.gatewayId}`);
    if (r.type === 'event' && r.event.seq !== undefined) keys.add(`${r.event.siteId}/${r.event.gatewayId}`);
  }
  const sortedFoldLocks = [...new Set(foldLocks)].sort();
  if (keys.size === 0 && sortedFoldLocks.length === 0) return;
  const gateways = [...keys].sort().map((k) => k.split('/') as [string, string]);
  await tx.query(
    prepared(
      'ingest-lock',
      `SELECT count(*) FROM (
         SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM unnest($1::text[]) AS k
       ) fold_locks,
       LATERAL (
         SELECT 1 FROM gateways g JOIN unnest($2::text[], $3::text[]) AS k(site_id, id) ON g.site_id = k.site_id AND g.id = k.id
          WHERE fold_locks.n >= 0
          ORDER BY g.site_id, g.id FOR NO KEY UPDATE OF g
       ) gateways`,
      [sortedFoldLocks, gateways.map((k) => k[0]), gateways.map((k) => k[1])],
    ),
  );
}

/**
 * Sites, gateways and sensors register themselves on first sight. The cache remembers what
 * is known to exist so the hot path skips the registry once a source has been seen.
 */
export class RegistryCache {
  private readonly known = new Set<string>();
  private readonly networks = new Map<string, 'ot' | 'it'>();
  /** "site/sensor/zone" already in sensor_zones: the hot path writes only new ones. */
  private readonly zones = new Set<string>();
  private stagedZones: string[] = [];

  network(siteId: string, sensorId: string): 'ot' | 'it' | undefined {
    return this.networks.get(`${siteId}/${sensorId}`);
  }

  async load(tx: Pick<PoolClient, 'query'>): Promise<void> {
    const { rows } = await tx.query<{ site_id: string; id: string; network: 'ot' | 'it' }>(
      'SELECT site_id, id, network FROM sensors',
    );
    for (const row of rows) this.networks.set(`${row.site_id}/${row.id}`, row.network);
    const zones = await tx.query<{ site_id: string; sensor_id: string; zone: string }>('SELECT site_id, sensor_id, zone FROM sensor_zones');
    for (const row of zones.rows) this.zones.add(`${row.site_id}/${row.sensor_id}/${row.zone}`);
  }

  /**
   * Coverage learned from accepted events: a sensor covers the zones its events name. Only
   * pairs not remembered are written (one statement, none at all once a site's coverage is
   * known); an admin's rows are left as they are.
   */
  async learnZones(tx: PoolClient, events: readonly SiteEvent[]): Promise<void> {
    const fresh = new Map<string, [string, string, string]>();
    for (const e of events) {
      if (!e.zone) continue;
      const key = `${e.siteId}/${e.sensorId}/${e.zone}`;
      if (!this.zones.has(key)) fresh.set(key, [e.siteId, e.sensorId, e.zone]);
    }
    if (fresh.size === 0) return;
    const list = [...fresh.values()].sort();
    await tx.query(
      `INSERT INTO sensor_zones (site_id, sensor_id, zone, source)
       SELECT site_id, sensor_id, zone, 'learned' FROM unnest($1::text[], $2::text[], $3::text[]) AS z(site_id, sensor_id, zone)
       ON CONFLICT DO NOTHING`,
      [list.map((z) => z[0]), list.map((z) => z[1]), list.map((z) => z[2])],
    );
    this.stagedZones = [...fresh.keys()];
  }

  async ensure(tx: PoolClient, requests: readonly StoreRequest[]): Promise<void> {
    this.stagedZones = [];
    const sites = new Set<string>();
    const gateways = new Map<string, [string, string]>();
    const sensors = new Map<string, [string, string, string]>();
    for (const r of requests) {
      const source = r.type === 'event' ? r.event : r.type === 'remoteid' ? r.report : r.type === 'status' ? r : undefined;
      const site = source?.siteId;
      const gateway = source?.gatewayId;
      if (!site || !gateway) continue;
      if (!this.known.has(`s:${site}`)) sites.add(site);
      if (!this.known.has(`g:${site}/${gateway}`)) gateways.set(`${site}/${gateway}`, [site, gateway]);
      const sensorId = r.type === 'event' ? r.event.sensorId : r.type === 'remoteid' ? r.report.sensorId : undefined;
      if (sensorId && !this.known.has(`n:${site}/${sensorId}`)) {
        sensors.set(`${site}/${sensorId}`, [site, sensorId, gateway]);
      }
    }
    if (sites.size) {
      await tx.query(
        `INSERT INTO sites (id, name) SELECT id, id FROM unnest($1::text[]) AS id ORDER BY id ON CONFLICT DO NOTHING`,
        [[...sites]],
      );
    }
    if (gateways.size) {
      const list = [...gateways.values()].sort();
      await tx.query(
        `INSERT INTO gateways (site_id, id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        [list.map((g) => g[0]), list.map((g) => g[1])],
      );
    }
    if (sensors.size) {
      const list = [...sensors.values()].sort();
      await tx.query(
        `INSERT INTO sensors (site_id, id, gateway_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT DO NOTHING`,
        [list.map((s) => s[0]), list.map((s) => s[1]), list.map((s) => s[2])],
      );
    }
    // Remembered only once committed; see commit().
    this.staged = [
      ...[...sites].map((s) => `s:${s}`),
      ...[...gateways.keys()].map((g) => `g:${g}`),
      ...[...sensors.keys()].map((s) => `n:${s}`),
    ];
  }

  private staged: string[] = [];

  /** Call after the transaction that ran ensure() committed. */
  commit(): void {
    for (const key of this.staged) this.known.add(key);
    for (const key of this.stagedZones) this.zones.add(key);
    this.staged = [];
    this.stagedZones = [];
  }
}
