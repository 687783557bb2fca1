import { Client } from 'pg';
import { migrateDatabase } from '../src/database/migrate';
import { loadHistory, vouchForHistory, type HistoryLoadResult } from './history-loader';
import type { HistoryOptions } from './history-plan';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
const LOAD_SITES = 20;

/** What a kept history database holds, as its marker row says. */
export interface KeptHistory {
  databaseUrl: string;
  /** True when the history was there already and complete (nothing loaded this run). */
  reused: boolean;
  /** The load that made it (this run's, or the one recorded when it was made). */
  load: HistoryLoadResult;
}

/** The shape of a history: a kept database is reused only for the same one. */
interface HistoryShape {
  events: number;
  months: number;
  otherSites: number;
  benchSites: number;
}

/**
 * A history database that outlives the bench run (`--history-database <name>`): loaded once,
 * then measured against by later runs without reloading. The bench writes a marker table,
 * `bench_history`, when it creates the database (its row says `complete = false`) and marks
 * the row complete only after the load and its VACUUM ANALYZE finished. A database of that
 * name with a complete marker of the same shape (events, months, sites) is reused; one whose
 * marker is incomplete (a load that was stopped) is dropped and loaded again; one complete but
 * of another shape (a `--quick` run pointed at the 20 M history, say) is refused, as is one
 * without the marker table (not the bench's): neither is ever dropped.
 *
 * The history is written into a database OreGuard's migrations made (the bench migrates it as
 * OreGuard would on start); OreGuard must not run against it while it loads.
 */
export async function keptHistory(
  name: string,
  options: HistoryOptions,
  log: (message: string) => void,
): Promise<KeptHistory> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`--history-database: "${name}" is not a plain lower-case database name`);
  const databaseUrl = `${POSTGRES}/${name}`;
  const shape: HistoryShape = {
    events: options.events,
    months: options.months,
    otherSites: options.otherSites,
    benchSites: options.benchSites.length,
  };
  const found = await readMarker(name);
  if (found.kind === 'complete' && sameShape(found.shape, shape)) {
    // Brought up to this build's schema before OreGuard starts on it, and vouched for again:
    // a migration made after the load sets the event-time bounds from its own time.
    await migrateDatabase(databaseUrl);
    const client = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
    await client.connect();
    try {
      await vouchForHistory(client, new Date(found.load.from));
    } finally {
      await client.end();
    }
    log(
      `history: reusing ${name} (${shape.events.toLocaleString('en-US')} events, loaded ${found.load.from} → ${found.load.to})`,
    );
    return { databaseUrl, reused: true, load: found.load };
  }
  if (found.kind === 'foreign')
    throw new Error(`--history-database: ${name} exists and is not a bench history database (no bench_history table)`);
  // A complete history of another shape took its time to load: never dropped for a mistyped option.
  if (found.kind === 'complete')
    throw new Error(
      `--history-database: ${name} holds a complete history of another shape (${JSON.stringify(found.shape)}, ` +
        `asked ${JSON.stringify(shape)}): use another name, or drop it by hand to load it again`,
    );
  if (found.kind !== 'absent') {
    log(`history: ${name} holds an incomplete load: dropping it and loading again`);
    await admin(`DROP DATABASE ${name} WITH (FORCE)`);
  }

  await admin(`CREATE DATABASE ${name}`);
  const marker = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
  await marker.connect();
  try {
    await marker.query(
      `CREATE TABLE bench_history (shape jsonb NOT NULL, complete boolean NOT NULL, load jsonb, completed_at timestamptz)`,
    );
    await marker.query(`INSERT INTO bench_history (shape, complete) VALUES ($1, false)`, [JSON.stringify(shape)]);
  } finally {
    await marker.end();
  }
  log(`history: migrating ${name}`);
  await migrateDatabase(databaseUrl);
  const load = await loadHistory(databaseUrl, options, log);
  const done = new Client({ connectionString: databaseUrl, application_name: 'bench-history' });
  await done.connect();
  try {
    await done.query(`UPDATE bench_history SET complete = true, load = $1, completed_at = now()`, [
      JSON.stringify(load),
    ]);
  } finally {
    await done.end();
  }
  return { databaseUrl, reused: false, load };
}

type Marker =
  | { kind: 'absent' }
  | { kind: 'foreign' }
  | { kind: 'incomplete'; shape: HistoryShape }
  | { kind: 'complete'; shape: HistoryShape; load: HistoryLoadResult };

async function readMarker(name: string): Promise<Marker> {
  const exists = await admin(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
  if (exists.length === 0) return { kind: 'absent' };
  const client = new Client({ connectionString: `${POSTGRES}/${name}`, application_name: 'bench-history' });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('bench_history') IS NOT NULL AS present`);
    if (!table.rows[0].present) return { kind: 'foreign' };
    const { rows } = await client.query<{ shape: HistoryShape; complete: boolean; load: HistoryLoadResult | null }>(
      `SELECT shape, complete, load FROM bench_history`,
    );
    if (rows.length !== 1) return { kind: 'incomplete', shape: rows[0]?.shape ?? ({} as HistoryShape) };
    const [row] = rows;
    return row.complete && row.load
      ? { kind: 'complete', shape: row.shape, load: row.load }
      : { kind: 'incomplete', shape: row.shape };
  } finally {
    await client.end();
  }
}

function sameShape(a: HistoryShape, b: HistoryShape): boolean {
  return (
    a.events === b.events && a.months === b.months && a.otherSites === b.otherSites && a.benchSites === b.benchSites
  );
}

async function admin(sql: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** The bench's own sites (load.ts names them mine-01 … mine-20): they get history too. */
export function benchSiteIds(sites = LOAD_SITES): string[] {
  return Array.from({ length: sites }, (_, i) => `mine-${String(i + 1).padStart(2, '0')}`);
}

/**
 * Loads (or checks) a kept history database without running the bench, so a long load can run
 * ahead of the measured runs:
 *
 *   node dist/bench/history-db.js --database og_bench_history_20m [--events N] [--months N] [--sites N] [--workers N]
 */
if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    const n = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: a positive number`);
    return Math.round(n);
  };
  const dbIndex = args.indexOf('--database');
  const name = dbIndex >= 0 ? args[dbIndex + 1] : undefined;
  if (!name) {
    process.stderr.write(
      'usage: node dist/bench/history-db.js --database <name> [--events N] [--months N] [--sites N] [--workers N]\n',
    );
    process.exit(2);
  }
  const say = (m: string) => process.stdout.write(`[${new Date().toISOString()}] ${m}\n`);
  keptHistory(
    name,
    {
      events: arg('--events', 20_000_000),
      months: arg('--months', 6),
      endAt: new Date(Date.now() - 86_400_000),
      benchSites: benchSiteIds(),
      otherSites: arg('--sites', 180),
      chunkEvents: 100_000,
      workers: arg('--workers', 2),
    },
    say,
  ).then(
    (h) => {
      say(`history: ${h.reused ? 'reused' : 'loaded'} ${JSON.stringify(h.load)}`);
    },
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
