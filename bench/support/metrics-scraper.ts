/** What OreGuard's own /metrics said, summarised over a window. */
export interface InternalsSummary {
  /** Fold jobs waiting in the queue (mean, max). */
  foldJobsWaitingMean: number;
  foldJobsWaitingMax: number;
  /** V8 heap in use and reserved, and memory outside the heap (Buffers), MB (max). */
  heapUsedMaxMb: number;
  heapTotalMaxMb: number;
  externalMaxMb: number;
  /** Event loop delay p99 (max over scrapes), ms. */
  loopLagP99MaxMs: number;
  /** Rule signals and groups the correlation engine held (max): its share of the heap. */
  engineSignalsMax: number;
  engineGroupsMax: number;
}

interface Sample {
  t: number;
  waiting: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  lagP99: number;
  engineSignals: number;
  engineGroups: number;
}

const MB = 1024 * 1024;

/**
 * Scrapes OreGuard's Prometheus endpoint every interval (public, like a Prometheus server
 * would): the fold queue depth, the process's heap and event loop, and what the correlation
 * engine holds, which explain the throughput, latency and RSS figures.
 */
export class MetricsScraper {
  private readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly url: () => string) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.scrape(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async scrape(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await fetch(`${this.url()}/api/v1/metrics`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return;
      const text = await res.text();
      const value = (pattern: RegExp) => {
        const m = pattern.exec(text);
        return m ? Number(m[1]) : NaN;
      };
      this.samples.push({
        t: Date.now(),
        waiting:
          value(/^oreguard_queue_jobs\{state="waiting"\} (\S+)$/m) +
          (value(/^oreguard_queue_jobs\{state="prioritized"\} (\S+)$/m) || 0),
        heapUsed: value(/^nodejs_heap_size_used_bytes (\S+)$/m) / MB,
        heapTotal: value(/^nodejs_heap_size_total_bytes (\S+)$/m) / MB,
        external: value(/^nodejs_external_memory_bytes (\S+)$/m) / MB,
        lagP99: value(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m) * 1000,
        engineSignals: value(/^oreguard_correlation_state_signals (\S+)$/m),
        engineGroups: value(/^oreguard_correlation_state_groups (\S+)$/m),
      });
    } catch {
      // OreGuard restarting or busy: a missed scrape
    } finally {
      this.busy = false;
    }
  }

  summary(from: number, to: number): InternalsSummary | undefined {
    const w = this.samples.filter((s) => s.t >= from && s.t <= to);
    if (w.length === 0) return undefined;
    const max = (f: (s: Sample) => number) => round(Math.max(...w.map(f).filter(Number.isFinite)));
    const waiting = w.map((s) => s.waiting).filter(Number.isFinite);
    return {
      foldJobsWaitingMean: round(waiting.reduce((a, b) => a + b, 0) / Math.max(1, waiting.length)),
      foldJobsWaitingMax: max((s) => s.waiting),
      heapUsedMaxMb: max((s) => s.heapUsed),
      heapTotalMaxMb: max((s) => s.heapTotal),
      externalMaxMb: max((s) => s.external),
      loopLagP99MaxMs: max((s) => s.lagP99),
      engineSignalsMax: max((s) => s.engineSignals),
      engineGroupsMax: max((s) => s.engineGroups),
    };
  }
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : NaN;
}
