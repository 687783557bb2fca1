import { Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * The connection pool every repository uses. TypeORM owns the schema (migrations);
 * the hot paths speak SQL through this pool so batches stay one statement each.
 */
export class Db {
  readonly pool: Pool;

  constructor(url: string, max: number) {
    // JIT compiling pays off for long analytic queries, not for OreGuard's many short ones: a
    // statement whose estimate crosses jit_above_cost would spend 100 ms or more compiling.
    this.pool = new Pool({ connectionString: url, max, application_name: 'oreguard', options: '-c jit=off' });
    // An idle client that loses its server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string | QueryConfig, params?: unknown[]): Promise<R[]> {
    const result = typeof text === 'string' ? await this.pool.query<R>(text, params as unknown[]) : await this.pool.query<R>(text);
    return result.rows;
  }

  /**
   * Runs fn in one transaction: committed if it resolves, rolled back if it throws. `readOnly`
   * makes it a READ ONLY snapshot (REPEATABLE READ): it can write nothing and sees one state.
   */
  async transaction<T>(fn: (tx: PoolClient) => Promise<T>, { readOnly = false } = {}): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(readOnly ? 'BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Runs fn in a read-only transaction in which PostgreSQL may not scan a whole table when an
   * index can answer: for the counts a metrics scrape makes every few seconds. Until
   * autovacuum has first analyzed a table (a minute or more on a fresh or fast-growing one) the
   * planner guesses that a filter such as `fold_error IS NOT NULL` keeps most rows, and reads
   * every event to count none.
   */
  async withoutTableScans<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(
      async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        return fn(tx);
      },
      { readOnly: true },
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * A statement of a hot path (run for every batch or fold) as a named prepared statement: each
 * connection has the server parse it once, not on every call. Once it has seen a few calls the
 * server may also keep one generic plan for it. One name, one text.
 */
export function prepared(name: string, text: string, values: unknown[]): QueryConfig {
  return { name, text, values };
}

/** PostgreSQL error classes that say the data, not the connection, was at fault. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
