import { prepared, type Queryable } from 'src/database/db';

/**
 * Folding a site's events of one kind is serialised by a transaction-level advisory lock on
 * "fold/<site>/<kind>": the fold's own rounds, an ingest batch that folds its events inline
 * (storeBatch takes them with the batch's gateway locks, in its first statement), and the
 * correlator when it escalates an incident that folding opened. Each takes its locks before
 * any incident or live-log row, in one order (byte order of the key, as JavaScript sorts and
 * as SQL's COLLATE "C" does), so they never deadlock on each other.
 *
 * FoldEventsUseCase.execute spells the same key in SQL ('fold/' || site_id || '/' || kind),
 * to read a job's groups from its events and lock them in one statement; its fold-read
 * splits the key back with split_part. A change to the key changes those too.
 */
export function foldLockKey(siteId: string, kind: string): string {
  return `fold/${siteId}/${kind}`;
}

/** Takes the fold locks of these groups, in order; waits for whoever holds one. */
export async function lockFoldGroups(tx: Queryable, keys: Iterable<string>): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await tx.query(
    prepared(
      'fold-lock-groups',
      'SELECT pg_advisory_xact_lock(hashtextextended(g, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(g, n) ORDER BY n',
      [sorted],
    ),
  );
}
