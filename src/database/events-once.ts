/**
 * Storing events once. `events` is partitioned by time, and a unique index on it would have to
 * hold the partition key, so "(site, gateway, event id) once" is kept in `event_keys`: one row
 * per event stored, with its id. Every writer of events claims the keys of the rows it means to
 * store and stores only the rows whose key it got, in one statement (migration 1765100000000):
 *
 * ```sql
 * WITH <claimEventKeys(rows)>
 * INSERT INTO events (id, …) OVERRIDING SYSTEM VALUE SELECT id, … FROM claimable WHERE <CLAIMED>
 * ```
 *
 * - a key already stored (a resend, whichever partition its original is in) claims nothing;
 * - the same key twice in `rows` claims once, for the first row (ON CONFLICT DO NOTHING skips
 *   the rest within the statement; rows are numbered in their order);
 * - a key being stored by a transaction not yet committed waits for it, then claims nothing if
 *   it committed.
 * The event's id is taken from the events' identity before its key is written, so the key
 * names its event.
 */

/**
 * Two CTEs for a WITH list: `claimable`, the rows (a SELECT with at least site_id, gateway_id,
 * event_id and received_at) each with a new event `id`, and `claimed`, the ids whose key this
 * statement stored. Select from `claimable` WHERE {@link CLAIMED}.
 */
export function claimEventKeys(rows: string): string {
  return `claimable AS (
         SELECT nextval('events_id_seq') AS id, r.* FROM (${rows}) r
       ),
       claimed AS (
         INSERT INTO event_keys (site_id, gateway_id, event_id, id, received_at)
         SELECT site_id, gateway_id, event_id, id, received_at FROM claimable ORDER BY id
         ON CONFLICT DO NOTHING
         RETURNING id
       )`;
}

/** The rows of `claimable` whose key was claimed: the only ones to insert. */
export const CLAIMED = 'claimable.id IN (SELECT id FROM claimed)';
