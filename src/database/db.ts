import { Logger } from '@nestjs/common';
import { Pool, type ClientBase, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * The connection pool every repository uses. TypeORM owns the schema (migrations);
 * the hot paths speak SQL through this pool so batches stay one statement each.
 */
export class Db {
  private readonly logger = new Logger('PostgreSQL');
  readonly pool: Pool;
  /** When the last connection was lost, while no query has succeeded since: PostgreSQL is away. */
  private lostAt?: number;

  constructor(url: string, max: number) {
    this.pool = new Pool({
      connectionString: url,
      max,
      application_name: 'oreguard',
      options: sessionOptions(),
      // A server that vanished without closing its connections is noticed by TCP keepalive.
      keepAlive: true,
    });
    // pg-pool listens for errors only on idle clients and drops that listener at checkout, so a
    // client that loses its server in the middle of a transaction would emit an unhandled 'error'
    // and end the process. Every client gets a listener of its own for its whole life: the query
    // in flight fails (and its caller retries), the client is discarded on release.
    this.pool.on('connect', (client) => keepErrorsHandled(client, (error) => this.lost(error)));
    this.pool.on('error', (error) => this.lost(error));
  }

  /** Logs the first lost connection of an outage (not each of the pool's clients). */
  private lost(error: Error): void {
    if (this.lostAt !== undefined) return;
    this.lostAt = Date.now();
    this.logger.warn(`Lost a connection to PostgreSQL (${error.message}); retrying until it answers again`);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string | QueryConfig, params?: unknown[]): Promise<R[]> {
    const result =
      typeof text === 'string' ? await this.pool.query<R>(text, params as unknown[]) : await this.pool.query<R>(text);
    this.answered();
    return result.rows;
  }

  /**
   * Runs fn in one transaction: committed if it resolves, rolled back if it throws. `readOnly`
   * makes it a READ ONLY snapshot (REPEATABLE READ): it can write nothing and sees one state.
   * `plans` sets how its statements are planned, for this transaction only (PlanChoice).
   */
  async transaction<T>(
    fn: (tx: PoolClient) => Promise<T>,
    { readOnly = false, plans }: { readOnly?: boolean; plans?: PlanChoice } = {},
  ): Promise<T> {
    const client = await this.pool.connect();
    // A client whose ROLLBACK fails has lost its server: released with that error, it is
    // discarded rather than handed to the next caller.
    let broken: Error | undefined;
    try {
      // The settings go with BEGIN, in one round trip.
      await client.query(
        [
          readOnly ? 'BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ' : 'BEGIN',
          ...Object.entries(plans ? PLAN_SETTINGS[plans] : {}).map(([name, value]) => `SET LOCAL ${name} = ${value}`),
        ].join('; '),
      );
      const result = await fn(client);
      await client.query('COMMIT');
      this.answered();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** A query succeeded: if PostgreSQL had been away, say that it is back. */
  private answered(): void {
    if (this.lostAt === undefined) return;
    this.logger.log(
      `PostgreSQL answers again, ${((Date.now() - this.lostAt) / 1000).toFixed(1)} s after a connection was lost`,
    );
    this.lostAt = undefined;
  }

  /**
   * Runs fn in a read-only transaction planned by index (PLAN_SETTINGS.indexed): for the counts
   * a metrics scrape makes every few seconds, which must stay cheap whatever the statistics say.
   */
  async withoutTableScans<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(fn, { readOnly: true, plans: 'indexed' });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * How a transaction's statements are planned, when the planner's own choice cannot be trusted:
 *
 * - `indexed`: no whole-table scan where an index can answer, no parallel workers, and a named
 *   prepared statement (prepared()) keeps one generic plan. For the few statements that read
 *   `events` by something other than its partition key, in a transaction of their own or of
 *   live correlation's. Until a table or a new partition has been analyzed (autovacuum's first
 *   pass comes a minute or more after it fills; never, where autovacuum is off), the planner
 *   guesses that a filter such as `fold_error IS NOT NULL` or `id = ANY(…)` keeps most rows and
 *   reads every event of the partition; and each statement planned afresh over every partition
 *   of `events` costs 10–30 ms of planning once months of partitions are kept, where its generic
 *   plan runs in a millisecond. A parallel count launches two workers to count nothing.
 */
export type PlanChoice = 'indexed';

const PLAN_SETTINGS: Record<PlanChoice, Record<string, string>> = {
  indexed: { enable_seqscan: 'off', max_parallel_workers_per_gather: '0', plan_cache_mode: 'force_generic_plan' },
};

/**
 * The settings of a session of OreGuard's, as a connection's `options`. JIT off: compiling pays
 * off for long analytic queries, not for OreGuard's many short ones, and a statement whose
 * estimate crosses jit_above_cost (a partition not yet analyzed is enough) would spend 100 ms
 * to a second compiling. With `plans`, planned that way (PlanChoice) for the whole session: a
 * connection that serves one purpose, such as live correlation's lease.
 */
export function sessionOptions(plans?: PlanChoice): string {
  const settings = { jit: 'off', ...(plans ? PLAN_SETTINGS[plans] : {}) };
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}

/**
 * A statement of a hot path (run for every batch or fold) as a named prepared statement: each
 * connection has the server parse it once, not on every call. Once it has seen a few calls the
 * server may also keep one generic plan for it. One name, one text.
 */
export function prepared(name: string, text: string, values: unknown[]): QueryConfig {
  return { name, text, values };
}

/**
 * Gives a client (of the pool, or one held for LISTEN, a lease or a lock) an 'error' listener
 * for its whole life. Without one, a server that goes away while the client is in use ends
 * the process with an unhandled 'error' event. The listener runs once per lost connection.
 */
export function keepErrorsHandled(client: ClientBase, onError: (error: Error) => void = () => undefined): void {
  client.on('error', onError);
}

/** PostgreSQL error classes that say the data, not the connection, was at fault. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
