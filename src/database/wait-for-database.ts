import type { LoggerService } from '@nestjs/common';
import { Client } from 'pg';
import { keepErrorsHandled } from './db';

/** Connection failures that mean "not there yet" (retried), as opposed to a configuration error. */
const NOT_YET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
/** PostgreSQL's own "not now" answers: starting up, shutting down, too many connections. */
const NOT_NOW = new Set(['57P03', '57P01', '57P02', '53300']);

/** Where `DATABASE_URL` points, without user or password: for logs. */
export function describeDatabase(url: string): string {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, '')) || '(none)';
  return `${target.hostname}:${target.port || '5432'}, database ${database}`;
}

/** Whether a failure to connect means PostgreSQL is not (yet) reachable, so trying again may help. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return NOT_YET.has(code) || NOT_NOW.has(code);
  // pg's own words for a connection cut or timed out before it was established.
  return /Connection terminated|timeout expired|connection timeout/i.test((error as Error)?.message ?? '');
}

/**
 * Waits until the PostgreSQL server of `url` accepts a connection (to its maintenance database
 * `postgres`: OreGuard's own may not exist yet). Each failed try is logged with the host and
 * database, never the password, and retried with a growing delay (up to `maxDelayMs`). An error
 * that is not about reachability (a wrong password, say) is thrown at once: waiting cannot mend it.
 */
export async function waitForDatabase(
  url: string,
  logger: Pick<LoggerService, 'log' | 'warn'>,
  { firstDelayMs = 500, maxDelayMs = 10_000 } = {},
): Promise<void> {
  const server = new URL(url);
  server.pathname = '/postgres';
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({
      connectionString: server.toString(),
      connectionTimeoutMillis: 5_000,
      application_name: 'oreguard-start',
    });
    keepErrorsHandled(client);
    try {
      await client.connect();
      await client.end();
      if (attempt > 1) logger.log(`PostgreSQL at ${describeDatabase(url)} answers (try ${attempt})`, 'OreGuard');
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!isUnreachable(error)) throw error;
      logger.warn(
        `PostgreSQL at ${describeDatabase(url)} is not answering (${(error as Error).message || (error as { code?: string }).code}); try ${attempt}, next in ${(delay / 1000).toFixed(1)} s`,
        'OreGuard',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
