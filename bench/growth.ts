import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { BenchWorld } from './bench-world';
import { keptHistory } from './history-db';
import { loadHistory, type HistoryLoadResult } from './history-loader';
import {
  bytesPerMillionEvents,
  DEFAULT_RETENTION_DAYS,
  GROWING_TABLES,
  historySiteIds,
  steadyState,
  type GrowingTable,
  type SteadyState,
  type TableSize,
} from './history-plan';
import { latency, throughput, type LatencyRun, type ThroughputRun } from './phases';
import { distribution, type Distribution } from './support/stats';

const DAY_MS = 86_400_000;

/** The REST queries a lead uses, each timed over several requests with varied parameters. */
export const REST_QUERIES = ['incidentSearch', 'siteEventsOfDay', 'exportMonth', 'statsQuarter'] as const;
export type RestQueryName = (typeof REST_QUERIES)[number];

export interface RestQueryRun {
  requests: number;
  /** Request sent → whole response read. */
  total: Distribution;
  /** Request sent → first byte of the body (the export streams). */
  firstByte: Distribution;
  /** Mean items (incidents, events, export lines) per response, so an empty answer shows as such. */
  meanItems: number;
  /** Responses that were not 200. */
  failures: number;
}

export interface GrowthSide {
  /** Events in the database when this side was measured. */
  events: number;
  throughput?: ThroughputRun;
  latency?: LatencyRun;
  rest: Partial<Record<RestQueryName, RestQueryRun>>;
  tables: Partial<Record<GrowingTable, TableSize>>;
  bytesPerMillionEvents: number;
}

export interface GrowthRun {
  empty: GrowthSide;
  history: GrowthSide;
  load: HistoryLoadResult;
  /** The kept history database measured against (`--history-database`), and whether it was there already. */
  historyDatabase?: string;
  reused: boolean;
  /** OreGuard's start with the history in place (SIGTERM → ready). */
  restartMs: number;
  /** Share of events in no incident (measured), and what a site at 100 events/s keeps under retention. */
  steadyState: SteadyState;
}

/**
 * The growth phase: throughput, latency and the lead's REST queries on the database as it is,
 * then OreGuard stopped, months of history loaded (history-loader.ts), OreGuard started again,
 * and the same measurements over the history. Then disk per million events, and the steady state
 * of a site at 100 events/s under the retention settings.
 */
export async function growth(w: BenchWorld): Promise<GrowthRun> {
  const empty = await measureSide(w, { from: Date.now() - DAY_MS, to: Date.now() }, w.ogLoad.siteIds);

  w.log('growth: stopping OreGuard to load history');
  w.ogPanel?.close();
  await w.oreguard.stop();
  const months = w.config.historyMonths;
  const options = {
    events: w.config.historyEvents,
    months,
    endAt: new Date(Date.now() - DAY_MS),
    benchSites: w.ogLoad.siteIds,
    otherSites: w.config.historyOtherSites,
    chunkEvents: w.config.historyChunkEvents,
    workers: w.config.historyWorkers,
  };
  let load: HistoryLoadResult;
  let reused = false;
  if (w.config.historyDatabase) {
    const kept = await keptHistory(w.config.historyDatabase, options, (m) => w.log(m));
    ({ load, reused } = kept);
    await w.switchDatabase(w.config.historyDatabase, kept.databaseUrl);
    // One gateway key for the kept database in every run: OreGuard seals its evidence signing key under it.
    w.oreguard.env.GATEWAY_SECRET_KEY = createHash('sha256')
      .update(`oreguard-bench-history:${w.config.historyDatabase}`)
      .digest('base64');
  } else {
    load = await loadHistory(w.databaseUrl, options, (m) => w.log(m));
  }
  w.log(
    `growth: history of ${load.events.toLocaleString('en-US')} events ${reused ? 'reused (it was loaded' : 'loaded'} in ${(load.loadMs / 1000).toFixed(0)} s ` +
      `(${load.eventsPerSec}/s, ${load.rowsPerSec} rows/s), vacuum ${(load.vacuumMs / 1000).toFixed(0)} s${reused ? ')' : ''}`,
  );
  await w.oreguard.start();
  const restartMs = w.oreguard.readyAt - w.oreguard.startedAt;
  await w.relogin();
  await w.connectOreGuardPanel();
  w.log(`growth: OreGuard ready over the history in ${restartMs} ms`);

  const sites = [...w.ogLoad.siteIds, ...historySiteIds(w.config.historyOtherSites)];
  const history = await measureSide(w, { from: Date.parse(load.from), to: Date.now() }, sites);
  const outside = await shareOutsideIncidents(w.activeDatabaseUrl);
  return {
    empty,
    history,
    load,
    historyDatabase: w.config.historyDatabase,
    reused,
    restartMs,
    steadyState: steadyState(history.tables, 100, DEFAULT_RETENTION_DAYS, outside),
  };
}

async function measureSide(w: BenchWorld, window: { from: number; to: number }, sites: string[]): Promise<GrowthSide> {
  const tp = (await throughput(w)).oreguard;
  const lat = (await latency(w)).oreguard;
  const rest: GrowthSide['rest'] = {};
  const seed = { value: 19 };
  for (const name of REST_QUERIES) {
    rest[name] = await timeQuery(w, w.config.restRequests, () =>
      requestFor(name, window, sites, () => nextRandom(seed)),
    );
    const r = rest[name]!;
    w.log(
      `growth: ${name} p50/p99 ${r.total.p50}/${r.total.p99} ms, first byte ${r.firstByte.p50}/${r.firstByte.p99} ms ` +
        `(${r.requests} requests, ${r.meanItems} items each, ${r.failures} failed)`,
    );
  }
  const tables = await tableSizes(w.activeDatabaseUrl);
  return {
    events: tables.events?.rows ?? 0,
    throughput: tp,
    latency: lat,
    rest,
    tables,
    bytesPerMillionEvents: bytesPerMillionEvents(tables),
  };
}

/** One request of a kind, its parameters drawn from the data's time window and sites. */
export function requestFor(
  name: RestQueryName,
  window: { from: number; to: number },
  sites: string[],
  random: () => number,
): string {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const at = (spanMs: number) =>
    Math.max(window.from, window.to - spanMs - random() * Math.max(0, window.to - window.from - spanMs));
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (name) {
    case 'incidentSearch': {
      // A lead narrows by site, severity, status, a week, a word of the title: some of them at a time.
      const from = at(7 * DAY_MS);
      const p = new URLSearchParams({ limit: '50' });
      if (random() < 0.6) p.set('siteId', pick(sites));
      if (random() < 0.5) p.set('severity', pick(['medium', 'high', 'critical']));
      if (random() < 0.4) p.set('status', pick(['acknowledged', 'resolved']));
      if (random() < 0.7) {
        p.set('from', iso(from));
        p.set('to', iso(from + 7 * DAY_MS));
      }
      if (random() < 0.4) p.set('q', pick(['Drone', 'Cyber', 'pit-2', 'north-fence', 'activity']));
      return `/incidents?${p}`;
    }
    case 'siteEventsOfDay': {
      const from = at(DAY_MS);
      return `/events?${new URLSearchParams({ siteId: pick(sites), from: iso(from), to: iso(from + DAY_MS), limit: '500' })}`;
    }
    case 'exportMonth': {
      const from = at(30 * DAY_MS);
      return `/incidents/export?${new URLSearchParams({ format: pick(['ndjson', 'csv']), from: iso(from), to: iso(from + 30 * DAY_MS) })}`;
    }
    case 'statsQuarter': {
      const from = at(90 * DAY_MS);
      const p = new URLSearchParams({ from: iso(from), to: iso(from + 90 * DAY_MS) });
      if (random() < 0.5) p.set('siteId', pick(sites));
      return `/stats?${p}`;
    }
  }
}

async function timeQuery(w: BenchWorld, requests: number, next: () => string): Promise<RestQueryRun> {
  const totals: number[] = [];
  const firstBytes: number[] = [];
  let items = 0;
  let failures = 0;
  for (let i = 0; i < requests; i++) {
    const path = next();
    const t0 = performance.now();
    const res = await fetch(`${w.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${w.token}` } });
    const reader = res.body!.getReader();
    let first: number | undefined;
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      first ??= performance.now();
      chunks.push(value);
    }
    const end = performance.now();
    totals.push(end - t0);
    firstBytes.push((first ?? end) - t0);
    const body = Buffer.concat(chunks).toString('utf8');
    if (res.status !== 200) {
      failures += 1;
      if (failures === 1) w.log(`growth: GET ${path} answered ${res.status}: ${body.slice(0, 300)}`);
      continue;
    }
    items += countItems(path, body);
  }
  return {
    requests,
    total: distribution(totals)!,
    firstByte: distribution(firstBytes)!,
    meanItems: Math.round(items / Math.max(1, requests - failures)),
    failures,
  };
}

function countItems(path: string, body: string): number {
  if (path.startsWith('/incidents/export'))
    return Math.max(0, body.split('\n').filter(Boolean).length - (path.includes('format=csv') ? 1 : 0));
  const json = JSON.parse(body) as { items?: unknown[]; total?: number };
  return json.items?.length ?? json.total ?? 0;
}

/** Rows and bytes on disk (indexes and TOAST included, every partition) of each growing table. */
async function tableSizes(url: string): Promise<Partial<Record<GrowingTable, TableSize>>> {
  const client = new Client({ connectionString: url, application_name: 'bench-growth' });
  await client.connect();
  try {
    const out: Partial<Record<GrowingTable, TableSize>> = {};
    for (const table of Object.keys(GROWING_TABLES) as GrowingTable[]) {
      const { rows } = await client.query<{ n: string; bytes: string }>(
        `SELECT (SELECT count(*) FROM ${table}) AS n,
                (SELECT CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
                             ELSE pg_total_relation_size(c.oid) END
                   FROM pg_class c WHERE c.oid = '${table}'::regclass) AS bytes`,
      );
      out[table] = { rows: Number(rows[0].n), bytes: Number(rows[0].bytes) };
    }
    return out;
  } finally {
    await client.end();
  }
}

async function shareOutsideIncidents(url: string): Promise<number> {
  const client = new Client({ connectionString: url, application_name: 'bench-growth' });
  await client.connect();
  try {
    const { rows } = await client.query<{ outside: string; total: string }>(
      `SELECT (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM incident_events l WHERE l.event_id = e.id)) AS outside,
              (SELECT count(*) FROM events) AS total`,
    );
    return Number(rows[0].total) === 0 ? 0 : Number(rows[0].outside) / Number(rows[0].total);
  } finally {
    await client.end();
  }
}

/** A small seeded generator (mulberry32), so two runs ask the same questions. */
function nextRandom(seed: { value: number }): number {
  seed.value = (seed.value + 0x6d2b79f5) | 0;
  let t = seed.value;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
