import type { Logger } from '@nestjs/common';

/**
 * A check that runs now and then every interval, in every worker instance: PostgreSQL holds
 * the state and the check locks what it changes, so instances never double a change. A run
 * still in progress is joined rather than doubled; a failed run is logged and the next one
 * tries again.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly name: string,
    private readonly task: () => Promise<number>,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), intervalMs);
  }

  /** One run; resolves with what it changed (0 when it failed). */
  run(): Promise<number> {
    this.running ??= this.task()
      .catch((error: Error) => {
        this.logger.warn(`${this.name} failed: ${error.message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/**
 * The body of a check that works through what is due a batch at a time: runs `batch` until one
 * comes back with fewer than `size` items (nothing more is due now), hands each batch's items to
 * `report`, and resolves with how many there were in all.
 */
export async function drainBatches<T>(
  size: number,
  batch: () => Promise<T[]>,
  report: (items: T[]) => void,
): Promise<number> {
  let total = 0;
  for (;;) {
    const items = await batch();
    report(items);
    total += items.length;
    if (items.length < size) return total;
  }
}
