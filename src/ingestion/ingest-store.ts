import type { PoolClient } from 'pg';
import type { GatewayStatus } from 'src/domain/events/gateway-status.schema';
import type { SiteEvent } from 'src/domain/events/site-event';
import type { AssemblyOptions, RemoteIdEventMetadata } from 'src/domain/remote-id/remote-id-assembler';
import type { RemoteIdReport } from 'src/domain/remote-id/remote-id-report';
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
  | { type: 'status'; siteId: string; gatewayId: string; status: GatewayStatus; receivedAt: Date }
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

export type StoreOutcome =
  | { type: 'stored'; id: number }
  /** A Remote ID payload: the ids of the events it made (in order) and of those newly stored. */
  | { type: 'remoteid'; eventIds: string[]; storedIds: number[]; possibleSpoofs: string[] }
  | { type: 'duplicate' }
  /** `reason` when the store itself refused it (a replay); otherwise the request's own reason. */
  | { type: 'rejected'; reason?: string }
  | { type: 'status' }
  | { type: 'ignored' };

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

export const REPLAYED_ID_REASON = 'eventId: already seen (replay)';
export const REPLAYED_LATE_REASON = 'occurredAt: older than the allowed lateness (replay)';

type EventRequest = Extract<StoreRequest, { type: 'event' }>;
type RejectedRequest = Extract<StoreRequest, { type: 'rejected' }>;

/**
 * Writes one batch of ingested messages in the caller's transaction: registers sites,
 * gateways and sensors seen for the first time, assembles Remote ID payloads into events with
 * what is remembered of their transmitters, inserts the events (a redelivered one hits the
 * identity constraint and is reported as a duplicate), the rejected messages and status changes.
 * Returns an outcome per request, in order.
 */
export async function storeBatch(
  tx: PoolClient,
  requests: readonly StoreRequest[],
  registry: RegistryCache,
): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = new Array(requests.length);
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

  // Events: one INSERT for the batch; the first copy of a key within the batch wins.
  const firstKeys = new Set<string>();
  const events = candidates.filter((c) => {
    const key = eventKey(c.event);
    if (firstKeys.has(key)) return false;
    firstKeys.add(key);
    return true;
  });
  let storedIds = new Map<string, number>();
  if (events.length > 0) {
    const { rows } = await tx.query<{ id: string; site_id: string; gateway_id: string; event_id: string }>(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at,
                           received_at, source, late, details, topic, raw_payload, remote_id)
       SELECT u.site_id, u.gateway_id, u.event_id, u.sensor_id, u.kind, u.severity, u.zone, u.seq, u.occurred_at,
              u.received_at, u.source, u.late, u.details::jsonb, u.topic, u.raw_payload, u.remote_id::jsonb
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::bigint[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::boolean[],
                     $13::text[], $14::text[], $15::text[], $16::text[])
           AS u(site_id, gateway_id, event_id, sensor_id, kind, severity, zone, seq, occurred_at, received_at,
                source, late, details, topic, raw_payload, remote_id)
       ON CONFLICT ON CONSTRAINT events_identity DO NOTHING
       RETURNING id, site_id, gateway_id, event_id`,
      [
        events.map((c) => c.event.siteId),
        events.map((c) => c.event.gatewayId),
        events.map((c) => c.event.eventId),
        events.map((c) => c.event.sensorId),
        events.map((c) => c.event.kind),
        events.map((c) => c.event.severity ?? null),
        events.map((c) => c.event.zone ?? null),
        events.map((c) => c.event.seq ?? null),
        events.map((c) => c.event.occurredAt),
        events.map((c) => c.receivedAt),
        events.map((c) => c.event.source),
        events.map((c) => c.late),
        events.map((c) => JSON.stringify(c.event.drone ?? c.event.cyber ?? c.event.theft ?? {})),
        events.map((c) => c.topic),
        events.map((c) => c.raw),
        events.map((c) => (c.remoteId ? JSON.stringify(c.remoteId) : null)),
      ],
    );
    storedIds = new Map(rows.map((row) => [`${row.site_id}/${row.gateway_id}/${row.event_id}`, Number(row.id)]));
  }
  // A key stored by this INSERT belongs to the first candidate that carried it; later copies are duplicates.
  const owner = new Map(events.map((c) => [eventKey(c.event), c]));
  const storedBy = (c: EventRow) => (owner.get(eventKey(c.event)) === c ? storedIds.get(eventKey(c.event)) : undefined);
  const byRequest = new Map<number, EventRow[]>();
  for (const c of candidates) byRequest.set(c.index, [...(byRequest.get(c.index) ?? []), c]);
  for (const { index } of firstCopies) {
    const candidate = byRequest.get(index)?.[0];
    if (!candidate) continue; // a replay verdict was given above
    const id = storedBy(candidate);
    outcomes[index] = id === undefined ? { type: 'duplicate' } : { type: 'stored', id };
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

  for (const [index, r] of requests.entries()) {
    if (r.type === 'status') {
      await applyStatus(tx, r);
      outcomes[index] = { type: 'status' };
    } else if (r.type === 'ignored') {
      outcomes[index] = { type: 'ignored' };
    }
  }
  return outcomes;
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

async function applyStatus(tx: PoolClient, r: Extract<StoreRequest, { type: 'status' }>): Promise<void> {
  // A late heartbeat never overwrites a newer state.
  await tx.query(
    `UPDATE gateways SET state = $3, state_at = $4
      WHERE site_id = $1 AND id = $2 AND (state_at IS NULL OR state_at <= $4)`,
    [r.siteId, r.gatewayId, r.status.state, r.status.at],
  );
  const sensors = r.status.sensors ?? [];
  if (sensors.length === 0) return;
  await tx.query(
    `INSERT INTO sensors (site_id, id, gateway_id, state, state_at)
     SELECT $1, s.id, $2, s.state, $3 FROM unnest($4::text[], $5::text[]) AS s(id, state)
     ON CONFLICT (site_id, id) DO UPDATE
       SET gateway_id = EXCLUDED.gateway_id, state = EXCLUDED.state, state_at = EXCLUDED.state_at
       WHERE sensors.state_at IS NULL OR sensors.state_at <= EXCLUDED.state_at`,
    [r.siteId, r.gatewayId, r.status.at, sensors.map((s) => s.sensorId), sensors.map((s) => s.state)],
  );
}

/**
 * Sites, gateways and sensors register themselves on first sight. The cache remembers what
 * is known to exist so the hot path skips the registry once a source has been seen.
 */
export class RegistryCache {
  private readonly known = new Set<string>();
  private readonly networks = new Map<string, 'ot' | 'it'>();

  network(siteId: string, sensorId: string): 'ot' | 'it' | undefined {
    return this.networks.get(`${siteId}/${sensorId}`);
  }

  async load(tx: Pick<PoolClient, 'query'>): Promise<void> {
    const { rows } = await tx.query<{ site_id: string; id: string; network: 'ot' | 'it' }>(
      'SELECT site_id, id, network FROM sensors',
    );
    for (const row of rows) this.networks.set(`${row.site_id}/${row.id}`, row.network);
  }

  async ensure(tx: PoolClient, requests: readonly StoreRequest[]): Promise<void> {
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
    this.staged = [];
  }
}
