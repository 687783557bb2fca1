import { Pool } from 'pg';

/** What OreGuard's PostgreSQL connections were doing, averaged over a window. */
export interface PgActivitySummary {
  /** Mean OreGuard backends running a statement (not waiting on a lock). */
  running: number;
  /** Mean backends waiting on a heavyweight lock, by wait event (advisory, transactionid, tuple…). */
  lockWaits: Record<string, number>;
  /** Mean backends idle inside a transaction: waiting for OreGuard to send the next statement. */
  idleInTransaction: number;
  /** Transactions committed in the bench database over the window, and per second. */
  commits: number;
  commitsPerSec: number;
}

interface Sample {
  t: number;
  running: number;
  idleInTx: number;
  lockWaits: Record<string, number>;
  commits: number;
}

/**
 * Samples pg_stat_activity (OreGuard's pool, application_name 'oreguard') and
 * pg_stat_database (commits) of the bench database: shows whether folding waits on locks,
 * on round trips, or on the server.
 */
export class PgActivitySampler {
  private readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly pool: Pool,
    private readonly dbName: string,
  ) {}

  start(intervalMs = 500): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const t = Date.now();
      const { rows } = await this.pool.query<{ state: string | null; wt: string | null; we: string | null; n: string }>(
        `SELECT state, wait_event_type AS wt, wait_event AS we, count(*) AS n
           FROM pg_stat_activity WHERE datname = $1 AND application_name = 'oreguard'
          GROUP BY 1, 2, 3`,
        [this.dbName],
      );
      const db = await this.pool.query<{ c: string }>(
        'SELECT xact_commit AS c FROM pg_stat_database WHERE datname = $1',
        [this.dbName],
      );
      const sample: Sample = { t, running: 0, idleInTx: 0, lockWaits: {}, commits: Number(db.rows[0]?.c ?? 0) };
      for (const r of rows) {
        const n = Number(r.n);
        if (r.state === 'active' && r.wt === 'Lock')
          sample.lockWaits[r.we ?? '?'] = (sample.lockWaits[r.we ?? '?'] ?? 0) + n;
        else if (r.state === 'active') sample.running += n;
        else if (r.state?.startsWith('idle in transaction')) sample.idleInTx += n;
      }
      this.samples.push(sample);
    } catch {
      // the database may be going away at the end of the run
    } finally {
      this.busy = false;
    }
  }

  summary(from: number, to: number): PgActivitySummary | undefined {
    const w = this.samples.filter((s) => s.t >= from && s.t <= to);
    if (w.length < 2) return undefined;
    const mean = (f: (s: Sample) => number) => Math.round((100 * w.reduce((a, s) => a + f(s), 0)) / w.length) / 100;
    const events = new Set(w.flatMap((s) => Object.keys(s.lockWaits)));
    const commits = w[w.length - 1].commits - w[0].commits;
    return {
      running: mean((s) => s.running),
      idleInTransaction: mean((s) => s.idleInTx),
      lockWaits: Object.fromEntries([...events].map((e) => [e, mean((s) => s.lockWaits[e] ?? 0)])),
      commits,
      commitsPerSec: Math.round((commits * 1000) / Math.max(1, w[w.length - 1].t - w[0].t)),
    };
  }
}
