import { Pool } from 'pg';
import { sessionOptions } from '../../src/database/db';
import { REFERENCE_TABLE } from '../reference-loop';
import type { Distribution } from './stats';

export type Target = 'oreguard' | 'reference';

/** Progress of one batch of events through a target, as PostgreSQL shows it. */
export interface Progress {
  t: number;
  stored: number;
  /** Folded into incidents (OreGuard); for the reference, every stored row counts as done. */
  done: number;
}

export interface DrainResult {
  series: Progress[];
  /** When the bench saw the last event done. */
  seenDoneAt: number;
}

export interface BatchStats {
  rows: number;
  distinctEventIds: number;
  firstStoredAt: number;
  lastStoredAt: number;
  /** OreGuard: newest folded_at; reference: newest inserted_at. */
  lastDoneAt: number;
  /**
   * Per event, ms from publish (occurredAt) to: received (OreGuard's received_at, as its MQTT
   * client took the message); stored (OreGuard: stored_at, when its batch's transaction began;
   * reference: its INSERT); done (OreGuard: folded_at, for a batch folded inline the same moment).
   */
  toReceived?: Distribution;
  toStored?: Distribution;
  toDone?: Distribution;
}

/** Where a phase's events begin (BenchDb.mark): after event `id`, received from `at` on. */
export interface RunMark {
  id: number;
  at: Date;
}

/** How much earlier than its mark a phase's event may say it was received (clocks, rounding). */
const MARK_SLACK_MS = 60_000;

/** The bench's read-only view of the bench database: OreGuard's tables and the reference's. */
export class BenchDb {
  readonly pool: Pool;

  constructor(url: string) {
    // Planned by index, serially, never JIT-compiled (db.ts, PlanChoice): what the observer reads
    // must cost the database it measures as little as it can, on whichever partition has no
    // statistics yet.
    this.pool = new Pool({
      connectionString: url,
      max: 2,
      application_name: 'bench-observer',
      options: sessionOptions('indexed'),
    });
    this.pool.on('error', () => undefined);
  }

  private table(target: Target): string {
    return target === 'oreguard' ? 'events' : REFERENCE_TABLE;
  }

  /** Where a phase's events begin: after the newest stored now, received from now on. */
  async mark(target: Target): Promise<RunMark> {
    const { rows } = await this.pool.query<{ id: string; now: Date }>(
      `SELECT coalesce(max(id), 0) AS id, now() FROM ${this.table(target)}`,
    );
    return { id: Number(rows[0].id), at: rows[0].now };
  }

  /**
   * The rows of a phase (after `mark`), as a WHERE clause and its parameters. OreGuard's events
   * are bounded by their receive time too, which is their partition key: over months of history
   * a poll by id alone would probe every partition, and the observer's polls would weigh on the
   * history side of the growth phase and not on the empty one.
   */
  private since(target: Target, mark: RunMark): { where: string; params: unknown[] } {
    if (target === 'reference') return { where: 'id > $1', params: [mark.id] };
    return { where: 'id > $1 AND received_at >= $2', params: [mark.id, new Date(mark.at.getTime() - MARK_SLACK_MS)] };
  }

  async progress(target: Target, after: RunMark): Promise<Progress> {
    const t = Date.now();
    const { where, params } = this.since(target, after);
    const stored = Number(
      (await this.pool.query(`SELECT count(*) AS n FROM ${this.table(target)} WHERE ${where}`, params)).rows[0].n,
    );
    if (target === 'reference') return { t, stored, done: stored };
    // events_unfolded is a partial index: counting what is left is cheap.
    const unfolded = Number(
      (
        await this.pool.query(
          `SELECT count(*) AS n FROM events WHERE ${where} AND folded_at IS NULL AND fold_error IS NULL`,
          params,
        )
      ).rows[0].n,
    );
    return { t, stored, done: stored - unfolded };
  }

  /** Polls every intervalMs until `expected` events after the mark are stored and done. */
  async waitDone(
    target: Target,
    after: RunMark,
    expected: () => number | undefined,
    opts: { timeoutMs: number; intervalMs?: number },
  ): Promise<DrainResult> {
    const series: Progress[] = [];
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const p = await this.progress(target, after);
      series.push(p);
      const n = expected();
      if (n !== undefined && p.stored >= n && p.done >= n) return { series, seenDoneAt: p.t };
      if (Date.now() > deadline) {
        throw new Error(
          `${target}: after ${opts.timeoutMs} ms, ${p.stored} of ${n ?? '?'} events stored and ${p.done} done`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 200));
    }
  }

  async batchStats(target: Target, after: RunMark, withLatency: boolean): Promise<BatchStats> {
    const table = this.table(target);
    const { where, params } = this.since(target, after);
    const storedCol = target === 'oreguard' ? 'stored_at' : 'inserted_at';
    const doneCol = target === 'oreguard' ? 'folded_at' : 'inserted_at';
    const { rows } = await this.pool.query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS d,
              extract(epoch FROM min(${storedCol})) * 1000 AS first_stored,
              extract(epoch FROM max(${storedCol})) * 1000 AS last_stored,
              extract(epoch FROM max(${doneCol})) * 1000 AS last_done
         FROM ${table} WHERE ${where}`,
      params,
    );
    const stats: BatchStats = {
      rows: Number(rows[0].n),
      distinctEventIds: Number(rows[0].d),
      firstStoredAt: Number(rows[0].first_stored),
      lastStoredAt: Number(rows[0].last_stored),
      lastDoneAt: Number(rows[0].last_done),
    };
    if (withLatency) {
      const q = (col: string) =>
        this.pool.query(
          `SELECT count(*) AS n,
                  percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS p,
                  max(ms) AS max, avg(ms) AS mean
             FROM (SELECT extract(epoch FROM ${col} - occurred_at) * 1000 AS ms FROM ${table} WHERE ${where}) x`,
          params,
        );
      if (target === 'oreguard') stats.toReceived = toDistribution((await q('received_at')).rows[0]);
      stats.toStored = toDistribution((await q(storedCol)).rows[0]);
      stats.toDone = toDistribution((await q(doneCol)).rows[0]);
    }
    return stats;
  }

  /** Events rejected since `since` (the growth phase's history holds older rejections of its own). */
  async rejectedCount(since: Date): Promise<number> {
    return Number(
      (await this.pool.query('SELECT count(*) AS n FROM rejected_events WHERE received_at >= $1', [since])).rows[0].n,
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function toDistribution(row: {
  n: string;
  p: number[] | null;
  max: number | null;
  mean: number | null;
}): Distribution | undefined {
  if (!row.p) return undefined;
  const r = (v: number) => Math.round(Number(v) * 10) / 10;
  return {
    count: Number(row.n),
    p50: r(row.p[0]),
    p95: r(row.p[1]),
    p99: r(row.p[2]),
    max: r(row.max!),
    mean: r(row.mean!),
  };
}
