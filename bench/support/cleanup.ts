/**
 * What the bench started, to be undone in reverse order: at the end, on error, and on
 * Ctrl-C / SIGTERM (a second signal exits at once).
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<unknown> | unknown }[] = [];
  private running?: Promise<void>;
  private signals = 0;

  /** Set once a signal asked the bench to stop: errors that follow are the teardown's, not findings. */
  get interrupted(): boolean {
    return this.signals > 0;
  }

  add(what: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ what, run });
  }

  /** Runs every step (last added first), each at most timeoutMs; failures are reported, not thrown. */
  runAll(timeoutMs = 30_000): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(step.run),
            new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
          ]);
        } catch (error) {
          process.stderr.write(`cleanup: ${step.what} failed: ${(error as Error).message}\n`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.running;
  }

  onSignals(): void {
    const handler = (signal: NodeJS.Signals) => {
      this.signals += 1;
      if (this.signals > 1) process.exit(130);
      process.stderr.write(`\n${signal}: stopping what the bench started (again to exit at once)…\n`);
      void this.runAll().finally(() => process.exit(130));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
}
