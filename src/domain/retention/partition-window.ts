/** The span of one partition of the tables that grow with every event. */
export type PartitionSpan = 'day' | 'week' | 'month';

export const PARTITIONED_TABLES = ['events', 'live_messages', 'rejected_events', 'sensor_health_changes'] as const;

export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

const DAY_MS = 86_400_000;

/**
 * The time every partitioned table must have partitions for at `now`: from the start of today
 * (UTC) to `aheadDays` days after now. Partitions are made contiguously, so a window starting
 * before the oldest partition makes none backwards once the first exist: only the missing
 * ones ahead are made.
 */
export function partitionWindow(now: Date, aheadDays: number): { from: Date; until: Date } {
  const from = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  return { from, until: new Date(now.getTime() + aheadDays * DAY_MS) };
}
