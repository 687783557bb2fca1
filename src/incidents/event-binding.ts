import type { TimelineEntry } from './incident.repository';

/**
 * An event as the timeline entry that adds it to an incident records it: enough to identify it
 * (storage id, gateway event id, site, gateway) and the SHA-256 of its stored raw payload, so the
 * incident's hash chain vouches for the exact bytes the gateway sent (the evidence bundle's
 * checker compares them).
 */
export interface BoundEvent {
  id: number;
  eventId: string;
  siteId: string;
  gatewayId: string;
  /** Lowercase hex SHA-256 of the UTF-8 bytes of the event's `raw_payload`, as stored. */
  payloadSha256: string;
}

/** The SQL that hashes a stored raw payload as BoundEvent.payloadSha256 states it. */
export const PAYLOAD_SHA256_SQL = (column = 'raw_payload') => `encode(sha256(convert_to(${column}, 'UTF8')), 'hex')`;

/**
 * Events bound per timeline entry; an entry adding more is followed by `events-joined` entries
 * `{continued: true, events}` with the rest (its own eventCount counts them all).
 */
export const BOUND_EVENTS_PER_ENTRY = 1000;

/** A row carrying what BoundEvent needs (SQL names). */
export interface BindableRow {
  id: string | number;
  event_id: string;
  site_id: string;
  gateway_id: string;
  payload_sha256: string;
}

export function boundEvent(row: BindableRow): BoundEvent {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    siteId: row.site_id,
    gatewayId: row.gateway_id,
    payloadSha256: row.payload_sha256,
  };
}

/**
 * Binds the events an incident change adds into its timeline entries: the entry at `into`
 * (the one that says the events joined) records the first BOUND_EVENTS_PER_ENTRY of them as
 * `details.events`, and `events-joined` entries right after it record the rest. An event the
 * lookup does not know is a bug (the writer read it to fold it): it throws rather than leave
 * the event out of the chain.
 */
export function bindEvents(
  entries: TimelineEntry[],
  into: number,
  eventIds: readonly number[],
  lookup: ReadonlyMap<number, BoundEvent>,
): TimelineEntry[] {
  if (eventIds.length === 0) return entries;
  const bound = eventIds.map((id) => {
    const event = lookup.get(id);
    if (!event) throw new Error(`event ${id} joins an incident but was not read with its payload hash`);
    return event;
  });
  const target = entries[into];
  const chunks: BoundEvent[][] = [];
  for (let i = 0; i < bound.length; i += BOUND_EVENTS_PER_ENTRY)
    chunks.push(bound.slice(i, i + BOUND_EVENTS_PER_ENTRY));
  const [first, ...rest] = chunks;
  const out = [...entries];
  out[into] = { ...target, details: { ...target.details, events: first } };
  out.splice(
    into + 1,
    0,
    ...rest.map((chunk) => ({
      incidentId: target.incidentId,
      at: target.at,
      actor: target.actor,
      action: 'events-joined',
      // The first entry's eventCount already counts these: a continuation only binds them.
      details: { continued: true, events: chunk },
    })),
  );
  return out;
}
