/**
 * The job catalog of correlation: queue names, payloads and job ids in one place.
 * A job carries the storage ids of events to fold, never the events themselves:
 * PostgreSQL holds the state, the queue only the work.
 */
export const FOLD_QUEUE = 'fold';

export interface FoldJobData {
  /** Storage ids (events.id) of events to fold into incidents. */
  eventIds: number[];
}

/** One id per set of events, so enqueuing the same set again while it waits is a no-op. */
export function foldJobId(origin: 'ingest' | 'requeue' | 'retry', eventIds: readonly number[]): string {
  let min = Infinity;
  let max = -Infinity;
  for (const id of eventIds) {
    if (id < min) min = id;
    if (id > max) max = id;
  }
  return `${origin}-${min}-${max}-${eventIds.length}`;
}
