import type { Queryable } from 'src/database/db';
import type { PartitionedTable } from 'src/domain/retention/partition-window';
import { cursorGone } from 'src/domain/retention/retention-plan';
import { ApplicationError } from 'src/platform/application-error';

/**
 * Refuses a page cursor that reaches back into time the retention job dropped from `table`
 * (retention_horizons): 410 Gone naming the cursor and the oldest time still kept whole,
 * rather than a page with silent holes.
 */
export async function refuseGoneCursor(
  db: Queryable,
  table: PartitionedTable,
  cursorAt: Date | undefined,
): Promise<void> {
  if (!cursorAt) return;
  const { rows } = await db.query<{ kept_from: Date }>(
    'SELECT kept_from FROM retention_horizons WHERE table_name = $1',
    [table],
  );
  const keptFrom = rows[0]?.kept_from;
  if (keptFrom && cursorGone(cursorAt, keptFrom)) {
    throw new ApplicationError(
      'cursor.gone',
      `cursor: points at ${cursorAt.toISOString()}, before ${keptFrom.toISOString()}, the oldest time whose ${table.replace('_', ' ')} are still kept whole; older ones were archived and dropped by retention`,
      { field: 'cursor', cursorAt: cursorAt.toISOString(), keptFrom: keptFrom.toISOString() },
    );
  }
}
