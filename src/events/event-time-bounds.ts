import type { Queryable } from 'src/database/db';
import type { ArrivalWindow, EventTimeBounds } from 'src/domain/events/arrival-window';

/**
 * Records this instance's bounds on event time (migration 1765110000000): each only ever
 * widens, so a query always allows for the widest any instance has enforced.
 */
export async function recordEventTimeBounds(db: Queryable, maxFutureMs: number, maxLatenessMs: number): Promise<void> {
  await db.query(
    `UPDATE event_time_bounds SET max_future_ms = GREATEST(max_future_ms, $1::bigint),
                                  max_lateness_ms = GREATEST(max_lateness_ms, $2::bigint)`,
    [maxFutureMs, maxLatenessMs],
  );
}

/** The widest bounds enforced, read for each query (one row, so a later start's are seen at once). */
export async function readEventTimeBounds(db: Queryable): Promise<EventTimeBounds> {
  const { rows } = await db.query<{ max_future_ms: string; max_lateness_ms: string; bounded_since: Date }>(
    `SELECT max_future_ms, max_lateness_ms, bounded_since FROM event_time_bounds`,
  );
  const [row] = rows;
  if (!row) throw new Error('event_time_bounds has no row: the migration 1765110000000 did not run');
  return {
    maxFutureMs: Number(row.max_future_ms),
    maxLatenessMs: Number(row.max_lateness_ms),
    boundedSince: row.bounded_since,
  };
}

/**
 * The SQL condition on `column` (received_at) for an arrival window, `$n` numbered by `param`:
 * events that arrived before the bounds held always pass. PostgreSQL prunes the partitions
 * outside it when the plan is made (the values are parameters of a one-off plan).
 */
export function arrivalCondition(column: string, w: ArrivalWindow, param: (value: unknown) => string): string {
  const inWindow = [
    w.from ? `${column} >= ${param(w.from)}::timestamptz` : undefined,
    w.to ? `${column} <= ${param(w.to)}::timestamptz` : undefined,
  ].filter(Boolean);
  return `(${column} < ${param(w.boundedSince)}::timestamptz OR (${inWindow.join(' AND ')}))`;
}
