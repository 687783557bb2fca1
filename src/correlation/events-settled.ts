import { prepared, type Queryable } from 'src/database/db';

/**
 * The PostgreSQL channel on which a fold announces, in its own transaction, that it settled
 * events (folded them or held them back). NOTIFY is delivered at commit, so whoever listens
 * learns of the events once they are visible. The correlator listens on it to take newly
 * settled events at once rather than at its next poll (correlator.service.ts).
 *
 * It is a hint, not a promise: an event settled some other way (dead-lettered), a notification
 * lost with a connection, or events not yet visible to the correlator's snapshot are all taken
 * by the correlator's poll, which stays.
 */
export const EVENTS_SETTLED_CHANNEL = 'oreguard_events_settled';

/** Announces, at commit of the transaction `tx`, that it settled events. Several calls in one transaction notify once. */
export async function announceEventsSettled(tx: Queryable): Promise<void> {
  await tx.query(prepared('events-settled', `SELECT pg_notify($1, '')`, [EVENTS_SETTLED_CHANNEL]));
}
