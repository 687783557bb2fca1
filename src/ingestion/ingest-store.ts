import type { PoolClient } from 'pg';
import { prepared } from 'src/database/db';
import { CLAIMED, claimEventKeys } from 'src/database/events-once';
import type { GatewayStatus } from 'src/domain/events/gateway-status.schema';
import type { MaterialRecord } from 'src/domain/material/material-record.schema';
import type { RejectionKind } from 'src/domain/events/rejection-kind';
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
  | {
      type: 'status';
      topic: string;
      siteId: string;
      gatewayId: string;
      status: GatewayStatus;
      receivedAt: Date;
      raw: string;
    }
  /** A material record (weighing, gate, dispatch, survey): kept in material_records, idempotent per (site, gateway, recordId). */
  | {
      type: 'material';
      siteId: string;
      gatewayId: string;
      record: MaterialRecord;
      topic: string;
      raw: string;
      receivedAt: Date;
      /** Its time is older than the allowed lateness (a signed one new to OreGuard is then a replay). */
      late: boolean;
      signed?: boolean;
    }
  /** A Remote ID payload: assembled with the transmitter's memory in the same transaction, zero or more events. */
  | {
      type: 'remoteid';
      report: RemoteIdReport;
      topic: string;
      raw: string;
      receivedAt: Date;
      assembly: AssemblyOptions & { allowedLatenessMs: number };
      /** Signed by a gateway that must sign: a fix new to OreGuard that is late makes the payload a replay. */
      signed?: boolean;
    }
  | {
      type: 'rejected';
      topic: string;
      siteId?: string;
      gatewayId?: string;
      /** What failed, from a closed set (the metrics label); `reason` says it in a sentence. */
      kind: RejectionKind;
      reason: string;
      payload: Buffer;
      receivedAt: Date;
    }
  | { type: 'ignored'; reason: string };

export type StoreOutcome =
  /** recovered: its seq was in a gap already reported (an event thought lost arrived late). */
  | { type: 'stored'; id: number; recovered?: true }
  /** A Remote ID payload: the ids of the events it made (in order) and of those newly stored. */
  | { type: 'remoteid'; eventIds: string[]; storedIds: number[]; possibleSpoofs: string[] }
  | { type: 'duplicate' }
  /** `reason` and `kind` when the store itself refused it (a replay); otherwise the request's own. */
  | { type: 'rejected'; reason?: string; kind?: RejectionKind }
  | { type: 'status'; health: HealthEffect[] }
  | { type: 'ignored' };

/** The events a batch newly stored (not duplicates), by site: what is to be folded. */
export function storedEventsBySite(
  requests: readonly StoreRequest[],
  outcomes: readonly StoreOutcome[],
): Map<string, number[]> {
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
      r.type === 'event'
        ? { siteId: r.event.siteId, kind: r.event.kind }
        : r.type === 'remoteid'
          ? { siteId: r.report.siteId, kind: 'drone' }
          : undefined;
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
 * The batch's events in one INSERT, after their keys (events-once.ts): the first copy of a key
 * wins, and a key already stored (a redelivery, in whichever partition) stores nothing. $1: the
 * events as one JSON array (eventRecords), which JSON.stringify writes natively: as arrays of
 * text, the raw payloads and kind objects would be escaped element by element in JavaScript.
 * $2: folded_at, set when the batch folds them inline. Two CTEs (claimEventKeys), then the
 * INSERT, to be written into a WITH list.
 */
const INSERT_EVENTS = {
  ctes: claimEventKeys(`SELECT * FROM json_to_recordset($1::json)
             AS u(site_id text, gateway_id text, event_id uuid, sensor_id text, kind text, severity text, zone text,
                  seq bigint, occurred_at timestamptz, received_at timestamptz, source text, late boolean,
                  details jsonb, topic text, raw_payload text, remote_id jsonb)`),
  insert: `INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at,
                             received_at, source, late, details, topic, raw_payload, remote_id, folded_at)
         OVERRIDING SYSTEM VALUE
         SELECT id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at,
                received_at, source, late, details, topic, raw_payload, remote_id, $2::timestamptz
           FROM claimable WHERE ${CLAIMED}`,
};

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
 * A newly stored seq more than this below its gateway's highest, and in no open range, is the
 * gateway's counter starting again (a restart), not a late arrival: a late arrival lands in an
 * open range, or (in a gateway's first moments, while its first events are split between
 * instances) just below its first seq, never this far.
 */
export const SEQ_RESET_DROP = 1000;

/**
 * INSERT_EVENTS, and in the same statement the ranges of each gateway's seq never stored
 * (gateway_seq_gaps), from the batch's newly stored seqs (a redelivery stores nothing, so
 * changes nothing):
 * - a seq inside an open range of the gateway's epoch fills it: the range shrinks, splits or
 *   goes (seq_hit: the pieces between its filled numbers keep its opened_at, and its
 *   reported_at as the DELETE found it: the gap check may have just reported it, which this
 *   statement's snapshot does not show, and its row lock orders the two);
 * - seqs past the highest (gateways.last_seq) move it on, each jump opening a range
 *   [before + 1, seq - 1], reported by the gap check only if still open after the grace window;
 * - a seq at or below the highest in no open range changes nothing (a number seen before, or
 *   one below a gateway's first), unless it is more than SEQ_RESET_DROP below: then the
 *   counter restarted (seq_reset), the far seqs start a new epoch with the lowest as its
 *   baseline (no gap before it), and the old epoch's open ranges stay to be reported.
 * Batches of one gateway are serialised by its row lock (lockFoldGroupsAndGateways), so this
 * statement's snapshot holds every seq stored before it. A gateway's first seq is no gap.
 * Returns the stored events (`returning`) and whether each filled a range already reported.
 */
function insertEventsAndGaps(returning: string): string {
  return `WITH ${INSERT_EVENTS.ctes},
       ins AS (${INSERT_EVENTS.insert} RETURNING ${returning}, seq),
       seq_new AS (SELECT DISTINCT site_id, gateway_id, seq FROM ins WHERE seq IS NOT NULL),
       seq_in AS (
         SELECT n.site_id, n.gateway_id, n.seq, g.last_seq, g.seq_epoch, r.id AS gap_id
           FROM seq_new n
           JOIN gateways g ON g.site_id = n.site_id AND g.id = n.gateway_id
           LEFT JOIN LATERAL (
             SELECT x.id, x.from_seq FROM gateway_seq_gaps x
              WHERE n.seq <= g.last_seq AND x.site_id = n.site_id AND x.gateway_id = n.gateway_id
                AND x.epoch = g.seq_epoch AND x.to_seq >= n.seq
              ORDER BY x.to_seq LIMIT 1
           ) r ON r.from_seq <= n.seq
       ),
       seq_reset AS (
         SELECT DISTINCT site_id, gateway_id FROM seq_in WHERE gap_id IS NULL AND seq < last_seq - ${SEQ_RESET_DROP}
       ),
       seq_track AS (
         SELECT i.site_id, i.gateway_id, i.seq, i.seq_epoch + (r.site_id IS NOT NULL)::int AS epoch,
                COALESCE(lag(i.seq) OVER (PARTITION BY i.site_id, i.gateway_id ORDER BY i.seq),
                         CASE WHEN r.site_id IS NULL THEN i.last_seq END) AS before
           FROM seq_in i LEFT JOIN seq_reset r ON r.site_id = i.site_id AND r.gateway_id = i.gateway_id
          WHERE CASE WHEN r.site_id IS NULL THEN i.last_seq IS NULL OR i.seq > i.last_seq
                     ELSE i.gap_id IS NULL AND i.seq < i.last_seq - ${SEQ_RESET_DROP} END
       ),
       seq_hit AS (
         SELECT x.id, x.site_id, x.gateway_id, x.epoch, x.from_seq, x.to_seq, x.opened_at, i.seq,
                lag(i.seq) OVER w AS prev, lead(i.seq) OVER w AS next
           FROM seq_in i JOIN gateway_seq_gaps x ON x.id = i.gap_id
         WINDOW w AS (PARTITION BY x.id ORDER BY i.seq)
       ),
       seq_filled AS (DELETE FROM gateway_seq_gaps x WHERE x.id IN (SELECT id FROM seq_hit) RETURNING x.id, x.reported_at),
       seq_pieces AS (SELECT h.*, f.reported_at FROM seq_hit h JOIN seq_filled f ON f.id = h.id),
       seq_opened AS (
         INSERT INTO gateway_seq_gaps (site_id, gateway_id, epoch, from_seq, to_seq, opened_at, reported_at)
         SELECT site_id, gateway_id, epoch, COALESCE(prev + 1, from_seq), seq - 1, opened_at, reported_at
           FROM seq_pieces WHERE COALESCE(prev + 1, from_seq) < seq
         UNION ALL
         SELECT site_id, gateway_id, epoch, seq + 1, to_seq, opened_at, reported_at FROM seq_pieces WHERE next IS NULL AND seq < to_seq
         UNION ALL
         SELECT site_id, gateway_id, epoch, before + 1, seq - 1, now(), NULL FROM seq_track WHERE seq > before + 1
       ),
       seq_moved AS (
         UPDATE gateways g SET last_seq = m.top, seq_epoch = m.epoch
           FROM (SELECT site_id, gateway_id, max(seq) AS top, max(epoch) AS epoch FROM seq_track GROUP BY site_id, gateway_id) m
          WHERE g.site_id = m.site_id AND g.id = m.gateway_id
       )
       SELECT ins.*, late.seq IS NOT NULL AS seq_recovered
         FROM ins LEFT JOIN seq_pieces late
           ON late.site_id = ins.site_id AND late.gateway_id = ins.gateway_id AND late.seq = ins.seq
          AND late.reported_at IS NOT NULL`;
}

/** A stored event as insertEventsAndGaps returns it (for a batch folded inline, also a FoldRow). */
interface StoredEventRow {
  id: string;
  site_id: string;
  gateway_id: string;
  event_id: string;
  seq: string | null;
  seq_recovered: boolean;
}

/** Returns the ids of the events it stored. */
const INSERT_EVENTS_RETURNING_IDS = insertEventsAndGaps('id, site_id, gateway_id, event_id');

/** Returns the events it stored as folding reads them, for a batch folded inline: no read after. */
const INSERT_EVENTS_RETURNING_FOLD_ROWS = insertEventsAndGaps(foldColumns('details'));

export const REPLAYED_ID_REASON = 'eventId: already seen (replay)';
export const REPLAYED_RECORD_REASON = 'recordId: already seen with other content (replay)';
export const REPLAYED_LATE_RECORD_REASON = 'at: older than the allowed lateness (replay)';
export const REPLAYED_LATE_REASON = 'occurredAt: older than the allowed lateness (replay)';
/** A signed Remote ID payload without a fix (only what the transmitter said of itself), heard too long ago. */
export const REPLAYED_LATE_REPORT_REASON = 'receivedAt: older than the allowed lateness (replay)';

type EventRequest = Extract<StoreRequest, { type: 'event' }>;
type RemoteIdRequest = Extract<StoreRequest, { type: 'remoteid' }>;
type StatusRequest = Extract<StoreRequest, { type: 'status' }>;
type RejectedRequest = Extract<StoreRequest, { type: 'rejected' }>;
type MaterialRequest = Extract<StoreRequest, { type: 'material' }>;

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
  const unlocked = await lockFoldGroupsAndGateways(tx, inline?.lockKeys ?? [], requests);
  // With registration required, what an unregistered site or gateway sent is kept as rejected.
  const original = requests;
  const unregistered = await registry.ensure(tx, requests);
  if (unlocked.length > 0) await lockGateways(tx, unlocked);
  if (unregistered.size > 0) {
    requests = requests.map((r, index) => {
      const reason = unregistered.get(index);
      return reason === undefined ||
        (r.type !== 'event' && r.type !== 'remoteid' && r.type !== 'status' && r.type !== 'material')
        ? r
        : asRejected(r, reason, 'unregistered');
    });
  }

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

  // Remote ID payloads become events here, with what is remembered of their transmitters;
  // a signed one that is a replay is refused before it touches that memory.
  const remoteIdReplays = await findRemoteIdReplays(tx, requests);
  for (const [index, reason] of remoteIdReplays)
    refused.push({ index, r: asRejected(requests[index] as RemoteIdRequest, reason) });
  const remoteIdRequests = requests.flatMap((r, index) =>
    r.type === 'remoteid' && !remoteIdReplays.has(index) ? [{ r, index }] : [],
  );
  const remoteIdDrafts = remoteIdRequests.length
    ? await assembleRemoteIdBatch(
        tx,
        remoteIdRequests.map(({ r }) => r.report),
        remoteIdRequests[0]!.r.assembly,
      )
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
  const recovered = new Set<string>();
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
      if (row.seq_recovered) recovered.add(key);
    }
    if (inline) folding = rows as unknown as FoldRow[];
  }
  const stored = events.filter((c) => storedIds.has(eventKey(c.event)));
  await registry.learnZones(
    tx,
    stored.map((c) => c.event),
  );
  // A key stored by this INSERT belongs to the first candidate that carried it; later copies are duplicates.
  const owner = new Map(events.map((c) => [eventKey(c.event), c]));
  const storedBy = (c: EventRow) => (owner.get(eventKey(c.event)) === c ? storedIds.get(eventKey(c.event)) : undefined);
  const byRequest = new Map<number, EventRow[]>();
  for (const c of candidates) byRequest.set(c.index, [...(byRequest.get(c.index) ?? []), c]);
  for (const { index, r } of firstCopies) {
    const candidate = byRequest.get(index)?.[0];
    if (!candidate) continue; // a replay verdict was given above
    const id = storedBy(candidate);
    outcomes[index] =
      id === undefined
        ? { type: 'duplicate' }
        : { type: 'stored', id, ...(recovered.has(eventKey(r.event)) && { recovered: true as const }) };
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
  // A later copy in the same batch: a duplicate of the first, unless signed with other bytes or on another topic (a replay).
  for (const { index, r, first } of laterCopies) {
    const firstCopy = requests[first] as EventRequest;
    if (r.signed && (r.raw !== firstCopy.raw || r.topic !== firstCopy.topic)) {
      refused.push({ index, r: asRejected(r, REPLAYED_ID_REASON) });
    } else {
      const verdict = replays.get(first);
      if (verdict && verdict !== 'duplicate') refused.push({ index, r: asRejected(r, verdict) });
      else outcomes[index] = { type: 'duplicate' };
    }
  }

  await storeMaterialRecords(tx, requests, outcomes, refused);

  const rejected = [...requests.flatMap((r, index) => (r.type === 'rejected' ? [{ r, index }] : [])), ...refused];
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
      outcomes[index] =
        original[index].type === 'rejected'
          ? { type: 'rejected' }
          : { type: 'rejected', reason: r.reason, kind: r.kind };
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
 * Replay rules for signed events, canonical or Suricata (contract §1, "Signed events"), by
 * index: an event id already stored with other bytes (or from another topic) is a replay; with
 * the same bytes on the same topic it is the broker or the gateway delivering again what was
 * committed (at least once), so a duplicate: nothing is lost and the gateway's resend is
 * answered as harmless. An event new to OreGuard that occurred longer ago than the allowed
 * lateness is a replay too. Unsigned events skip this (no query).
 */
async function findReplays(
  tx: PoolClient,
  candidates: readonly { index: number; r: EventRequest }[],
): Promise<Map<number, 'duplicate' | string>> {
  const verdicts = new Map<number, 'duplicate' | string>();
  const signed = candidates.filter(({ r }) => r.signed);
  if (signed.length === 0) return verdicts;
  const { rows } = await tx.query<{ i: number; same: boolean }>(
    `SELECT u.i, e.raw_payload = u.raw AND e.topic = u.topic AS same
       FROM unnest($1::int[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[]) AS u(i, site_id, gateway_id, event_id, raw, topic)
       JOIN event_keys k ON k.site_id = u.site_id AND k.gateway_id = u.gateway_id AND k.event_id = u.event_id
       JOIN events e ON e.id = k.id AND e.received_at = k.received_at`,
    [
      signed.map(({ index }) => index),
      signed.map(({ r }) => r.event.siteId),
      signed.map(({ r }) => r.event.gatewayId),
      signed.map(({ r }) => r.event.eventId),
      signed.map(({ r }) => r.raw),
      signed.map(({ r }) => r.topic),
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

/**
 * Replay rules for signed Remote ID payloads, by index. A fix's event id is derived from its
 * own message bytes and time, so a fix already stored is that fix heard again (a redelivery, or
 * a second receiver of the same gateway), never other content under its id: a duplicate. A fix
 * new to OreGuard that occurred longer ago than the allowed lateness makes the payload a replay,
 * as does a payload without a fix received longer ago than that. Unsigned payloads skip this.
 */
async function findRemoteIdReplays(tx: PoolClient, requests: readonly StoreRequest[]): Promise<Map<number, string>> {
  const verdicts = new Map<number, string>();
  const signed = requests.flatMap((r, index) => (r.type === 'remoteid' && r.signed ? [{ r, index }] : []));
  if (signed.length === 0) return verdicts;
  const fixes = signed.flatMap(({ r }) =>
    r.report.fixes.map((fix) => ({ siteId: r.report.siteId, gatewayId: r.report.gatewayId, eventId: fix.eventId })),
  );
  const known = new Set<string>();
  if (fixes.length > 0) {
    const { rows } = await tx.query<{ site_id: string; gateway_id: string; event_id: string }>(
      `SELECT k.site_id, k.gateway_id, k.event_id
         FROM unnest($1::text[], $2::text[], $3::uuid[]) AS u(site_id, gateway_id, event_id)
         JOIN event_keys k ON k.site_id = u.site_id AND k.gateway_id = u.gateway_id AND k.event_id = u.event_id`,
      [fixes.map((f) => f.siteId), fixes.map((f) => f.gatewayId), fixes.map((f) => f.eventId)],
    );
    for (const row of rows) known.add(`${row.site_id}/${row.gateway_id}/${row.event_id}`);
  }
  for (const { r, index } of signed) {
    const { report } = r;
    const late = (at: Date) => r.receivedAt.getTime() - at.getTime() > r.assembly.allowedLatenessMs;
    if (report.fixes.length === 0) {
      if (late(report.receivedAt)) verdicts.set(index, REPLAYED_LATE_REPORT_REASON);
      continue;
    }
    const stale = report.fixes.find(
      (fix) => !known.has(`${report.siteId}/${report.gatewayId}/${fix.eventId}`) && late(fix.occurredAt),
    );
    if (stale)
      verdicts.set(
        index,
        `${stale.path}: Location time ${stale.occurredAt.toISOString()} older than the allowed lateness (replay)`,
      );
  }
  return verdicts;
}

/**
 * The batch's material records in one INSERT, the first copy of a key winning, a key already
 * stored left alone (a redelivery: duplicate). A signed record is checked as signed events are:
 * its key already stored with other bytes or from another topic is a replay, the same bytes a
 * duplicate, and one new to OreGuard older than the allowed lateness a replay.
 */
async function storeMaterialRecords(
  tx: PoolClient,
  requests: readonly StoreRequest[],
  outcomes: StoreOutcome[],
  refused: { index: number; r: RejectedRequest }[],
): Promise<void> {
  const all = requests.flatMap((r, index) => (r.type === 'material' ? [{ r, index }] : []));
  if (all.length === 0) return;
  const key = (r: MaterialRequest) => `${r.siteId}/${r.gatewayId}/${r.record.recordId}`;
  const { rows: known } = await tx.query<{ key: string; raw_payload: string; topic: string }>(
    `SELECT m.site_id || '/' || m.gateway_id || '/' || m.record_id AS key, m.raw_payload, m.topic
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(site_id, gateway_id, record_id)
       JOIN material_records m ON m.site_id = u.site_id AND m.gateway_id = u.gateway_id AND m.record_id = u.record_id`,
    [all.map(({ r }) => r.siteId), all.map(({ r }) => r.gatewayId), all.map(({ r }) => r.record.recordId)],
  );
  // What each key already holds: stored before, or an earlier copy in this batch.
  const seen = new Map(known.map((row) => [row.key, { raw: row.raw_payload, topic: row.topic }]));
  const fresh: { index: number; r: MaterialRequest }[] = [];
  for (const { r, index } of all) {
    const before = seen.get(key(r));
    if (before) {
      const replay = r.signed && (before.raw !== r.raw || before.topic !== r.topic);
      if (replay) refused.push({ index, r: asRejected(r, REPLAYED_RECORD_REASON) });
      else outcomes[index] = { type: 'duplicate' };
      continue;
    }
    if (r.signed && r.late) {
      refused.push({ index, r: asRejected(r, REPLAYED_LATE_RECORD_REASON) });
      continue;
    }
    seen.set(key(r), { raw: r.raw, topic: r.topic });
    fresh.push({ index, r });
  }
  if (fresh.length === 0) return;
  const { rows } = await tx.query<{ id: string; key: string }>(
    `INSERT INTO material_records (site_id, gateway_id, record_id, type, recorded_at, received_at, zone, body, topic, raw_payload)
     SELECT u.site_id, u.gateway_id, u.record_id, u.type, u.recorded_at, u.received_at, u.zone, u.body, u.topic, u.raw_payload
       FROM json_to_recordset($1::json)
         AS u(site_id text, gateway_id text, record_id text, type text, recorded_at timestamptz, received_at timestamptz,
              zone text, body jsonb, topic text, raw_payload text)
     ON CONFLICT ON CONSTRAINT material_records_identity DO NOTHING
     RETURNING id, site_id || '/' || gateway_id || '/' || record_id AS key`,
    [
      JSON.stringify(
        fresh.map(({ r }) => ({
          site_id: r.siteId,
          gateway_id: r.gatewayId,
          record_id: r.record.recordId,
          type: r.record.type,
          recorded_at: r.record.at,
          received_at: r.receivedAt,
          zone: r.record.zone ?? null,
          body: r.record,
          topic: r.topic,
          raw_payload: r.raw,
        })),
      ),
    ],
  );
  const ids = new Map(rows.map((row) => [row.key, Number(row.id)]));
  for (const { r, index } of fresh) {
    const id = ids.get(key(r));
    // Not inserted: another batch (a shared subscription) committed the same key meanwhile.
    outcomes[index] = id === undefined ? { type: 'duplicate' } : { type: 'stored', id };
  }
}

/** The site and gateway a request to store comes from (not a rejected or ignored one). */
function sourceOf(r: StoreRequest): { siteId: string; gatewayId: string } | undefined {
  return r.type === 'event'
    ? r.event
    : r.type === 'remoteid'
      ? r.report
      : r.type === 'status' || r.type === 'material'
        ? r
        : undefined;
}

/** A request the store refuses (a replay, an unregistered source), as the rejected message it is kept as. */
function asRejected(
  r: EventRequest | RemoteIdRequest | StatusRequest | MaterialRequest,
  reason: string,
  kind: RejectionKind = 'replay',
): RejectedRequest {
  const source = r.type === 'event' ? r.event : r.type === 'remoteid' ? r.report : r;
  return {
    type: 'rejected',
    topic: r.topic,
    siteId: source.siteId,
    gatewayId: source.gatewayId,
    kind,
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
 * Returns the gateways it found no row for (not registered yet), for lockGateways.
 */
async function lockFoldGroupsAndGateways(
  tx: PoolClient,
  foldLocks: readonly string[],
  requests: readonly StoreRequest[],
): Promise<[string, string][]> {
  const keys = new Set<string>();
  for (const r of requests) {
    if (r.type === 'status') keys.add(`${r.siteId}/${r.gatewayId}`);
    if (r.type === 'event' && r.event.seq !== undefined) keys.add(`${r.event.siteId}/${r.event.gatewayId}`);
  }
  const sortedFoldLocks = [...new Set(foldLocks)].sort();
  if (keys.size === 0 && sortedFoldLocks.length === 0) return [];
  const gateways = [...keys].sort().map((k) => k.split('/') as [string, string]);
  const { rows } = await tx.query<{ site_id: string | null; id: string | null }>(
    prepared(
      'ingest-lock',
      `SELECT gateways.site_id, gateways.id FROM (
         SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM unnest($1::text[]) AS k
       ) fold_locks,
       LATERAL (
         SELECT g.site_id, g.id FROM gateways g JOIN unnest($2::text[], $3::text[]) AS k(site_id, id) ON g.site_id = k.site_id AND g.id = k.id
          WHERE fold_locks.n >= 0
          ORDER BY g.site_id, g.id FOR NO KEY UPDATE OF g
       ) gateways`,
      [sortedFoldLocks, gateways.map((k) => k[0]), gateways.map((k) => k[1])],
    ),
  );
  if (rows.length === gateways.length) return [];
  const locked = new Set(rows.map((r) => `${r.site_id}/${r.id}`));
  return gateways.filter(([siteId, id]) => !locked.has(`${siteId}/${id}`));
}

/**
 * Locks gateways lockFoldGroupsAndGateways found no row for, once registered. One this batch
 * registered is its own already; one another batch registered meanwhile (this batch's INSERT
 * waited for it to commit) is not, and its seq must not be read unlocked. Only on a gateway's
 * first sight; sorted like every gateway lock.
 */
async function lockGateways(tx: PoolClient, gateways: readonly [string, string][]): Promise<void> {
  await tx.query(
    `SELECT 1 FROM gateways g JOIN unnest($1::text[], $2::text[]) AS k(site_id, id) ON g.site_id = k.site_id AND g.id = k.id
      ORDER BY g.site_id, g.id FOR NO KEY UPDATE OF g`,
    [gateways.map((k) => k[0]), gateways.map((k) => k[1])],
  );
}

/**
 * Sites, gateways and sensors register themselves on first sight, unless `requireRegistered`:
 * then what a site or gateway no admin registered sends is refused (and new sensors of a
 * registered gateway still register themselves). The cache remembers what is known to exist
 * (and, with `requireRegistered`, to be registered) so the hot path skips the registry once a
 * source has been seen; an unregistered one is looked up again at its next message, so a
 * registration made anywhere applies at once.
 */
export class RegistryCache {
  private readonly known = new Set<string>();
  private readonly networks = new Map<string, 'ot' | 'it'>();
  /** "site/sensor/zone" already in sensor_zones: the hot path writes only new ones. */
  private readonly zones = new Set<string>();
  private stagedZones: string[] = [];
  readonly requireRegistered: boolean;

  constructor({ requireRegistered = false }: { requireRegistered?: boolean } = {}) {
    this.requireRegistered = requireRegistered;
  }

  network(siteId: string, sensorId: string): 'ot' | 'it' | undefined {
    return this.networks.get(`${siteId}/${sensorId}`);
  }

  async load(tx: Pick<PoolClient, 'query'>): Promise<void> {
    const { rows } = await tx.query<{ site_id: string; id: string; network: 'ot' | 'it' }>(
      'SELECT site_id, id, network FROM sensors',
    );
    for (const row of rows) this.networks.set(`${row.site_id}/${row.id}`, row.network);
    const zones = await tx.query<{ site_id: string; sensor_id: string; zone: string }>(
      'SELECT site_id, sensor_id, zone FROM sensor_zones',
    );
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

  /**
   * Registers the sites, gateways and sensors of the batch seen for the first time; with
   * `requireRegistered`, returns instead (by index) the requests from an unregistered site or
   * gateway, with the reason naming it, and registers nothing for them.
   */
  async ensure(tx: PoolClient, requests: readonly StoreRequest[]): Promise<Map<number, string>> {
    this.stagedZones = [];
    this.staged = [];
    const unregistered = this.requireRegistered ? await this.findUnregistered(tx, requests) : new Map<number, string>();
    const sites = new Set<string>();
    const gateways = new Map<string, [string, string]>();
    const sensors = new Map<string, [string, string, string]>();
    for (const [index, r] of requests.entries()) {
      if (unregistered.has(index)) continue;
      const source = sourceOf(r);
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
      ...this.staged,
      ...[...sites].map((s) => `s:${s}`),
      ...[...gateways.keys()].map((g) => `g:${g}`),
      ...[...sensors.keys()].map((s) => `n:${s}`),
    ];
    return unregistered;
  }

  /**
   * The requests (by index) whose site no admin registered (`registered_at`) or whose gateway
   * was never issued a secret: one lookup for the gateways not yet known to be registered.
   */
  private async findUnregistered(tx: PoolClient, requests: readonly StoreRequest[]): Promise<Map<number, string>> {
    const unknown = new Map<string, [string, string]>();
    for (const r of requests) {
      const source = sourceOf(r);
      if (source && !this.known.has(`r:${source.siteId}/${source.gatewayId}`)) {
        unknown.set(`${source.siteId}/${source.gatewayId}`, [source.siteId, source.gatewayId]);
      }
    }
    const verdicts = new Map<number, string>();
    if (unknown.size === 0) return verdicts;
    const list = [...unknown.values()];
    const { rows } = await tx.query<{
      site_id: string;
      gateway_id: string;
      site_registered: boolean;
      gateway_registered: boolean;
    }>(
      `SELECT k.site_id, k.gateway_id, s.registered_at IS NOT NULL AS site_registered, g.secret_issued_at IS NOT NULL AS gateway_registered
         FROM unnest($1::text[], $2::text[]) AS k(site_id, gateway_id)
         LEFT JOIN sites s ON s.id = k.site_id
         LEFT JOIN gateways g ON g.site_id = k.site_id AND g.id = k.gateway_id`,
      [list.map((g) => g[0]), list.map((g) => g[1])],
    );
    const reasons = new Map<string, string>();
    for (const row of rows) {
      const key = `${row.site_id}/${row.gateway_id}`;
      if (!row.site_registered) reasons.set(key, `site: ${row.site_id} is not registered (INGEST_REQUIRE_REGISTERED)`);
      else if (!row.gateway_registered)
        reasons.set(
          key,
          `gateway: ${row.gateway_id} is not registered at site ${row.site_id} (INGEST_REQUIRE_REGISTERED)`,
        );
      else this.staged.push(`r:${key}`, `s:${row.site_id}`, `g:${key}`);
    }
    requests.forEach((r, index) => {
      const source = sourceOf(r);
      const reason = source && reasons.get(`${source.siteId}/${source.gatewayId}`);
      if (reason) verdicts.set(index, reason);
    });
    return verdicts;
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
