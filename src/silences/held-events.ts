import type { Db } from 'src/database/db';
import { EVENT_COLUMNS, eventView, type EventRow } from 'src/events/event-view';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import type { HeldQuery } from './silences.http';

/**
 * The events an entry held back, newest first (by event time), with when each was held.
 * `holdCondition` selects the holds, with `$1` its one parameter.
 */
export async function listHeldEvents(db: Db, holdCondition: string, param: unknown, query: HeldQuery) {
  const params: unknown[] = [param];
  let keyset = '';
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, 'bigint');
    params.push(cursor.at, cursor.id);
    keyset = `AND (e.occurred_at, e.id) < ($2::timestamptz, $3::bigint)`;
  }
  params.push(query.limit + 1);
  const rows = await db.query<EventRow & { held_at: Date }>(
    `SELECT ${EVENT_COLUMNS}, h.held_at FROM event_holds h JOIN events e ON e.id = h.event_id
      WHERE ${holdCondition} ${keyset}
      ORDER BY e.occurred_at DESC, e.id DESC LIMIT $${params.length}`,
    params,
  );
  const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.occurred_at, r.id]);
  return {
    items: page.map((r) => ({ ...eventView(r), heldAt: r.held_at.toISOString() })),
    nextCursor,
  };
}
