import type { PartitionedTable } from './partition-window';

const DAY_MS = 86_400_000;

/** One time partition: its table, its name, and the span of time it holds [from, until). */
export interface TimePartition {
  table: PartitionedTable;
  name: string;
  from: Date;
  until: Date;
}

/** How many days each table keeps its rows; null: forever (`off`). */
export type RetentionDays = Record<PartitionedTable, number | null>;

/**
 * The partitions whose every row is older than their table's retention at `now` (the whole
 * span ended that long ago), oldest first: what the retention job archives and drops. A table
 * kept forever has none; the partition holding `now` never is.
 */
export function partitionsDue(
  partitions: readonly TimePartition[],
  retention: RetentionDays,
  now: Date,
): TimePartition[] {
  return partitions
    .filter((p) => {
      const days = retention[p.table];
      return days !== null && p.until.getTime() <= now.getTime() - days * DAY_MS;
    })
    .sort((a, b) => a.until.getTime() - b.until.getTime() || a.table.localeCompare(b.table));
}

/**
 * Whether a page cursor at `cursorAt` reaches back into time a table dropped: retention has
 * dropped everything of that table before `keptFrom` that was not kept, so the page would
 * have holes. No horizon (nothing dropped yet): never.
 */
export function cursorGone(cursorAt: Date, keptFrom: Date | undefined): boolean {
  return keptFrom !== undefined && cursorAt.getTime() < keptFrom.getTime();
}
