import Redis from 'ioredis';

export interface QueueSummary {
  /** Distinct fold jobs seen waiting, by origin (ingest: one per committed batch; requeue: the sweep). */
  ingestJobsSeen: number;
  requeueJobsSeen: number;
}

/**
 * Watches OreGuard's fold queue in Redis (read-only: LRANGE of BullMQ's wait list) and records
 * which job ids it saw, so the report can tell ingest jobs from re-queue sweeps.
 */
export class QueueWatch {
  private readonly redis: Redis;
  private readonly seen: { t: number; id: string }[] = [];
  private readonly known = new Set<string>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    url: string,
    private readonly key: string,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', () => undefined);
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.redis.disconnect();
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const ids = await this.redis.lrange(this.key, 0, -1);
      const t = Date.now();
      for (const id of ids) {
        if (this.known.has(id)) continue;
        this.known.add(id);
        this.seen.push({ t, id });
      }
    } catch {
      // Redis busy or gone: a missed poll
    } finally {
      this.busy = false;
    }
  }

  summary(from: number, to: number): QueueSummary {
    const w = this.seen.filter((s) => s.t >= from && s.t <= to);
    return {
      ingestJobsSeen: w.filter((s) => s.id.startsWith('ingest-')).length,
      requeueJobsSeen: w.filter((s) => s.id.startsWith('requeue-')).length,
    };
  }
}
