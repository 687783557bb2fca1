import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { waitFor } from './wait-for';

/** A Redis server of the test's own, on its own port, keeping nothing on disk: for tests that kill it. */
export class RedisServer {
  private child?: ChildProcess;
  log = '';

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    child.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited: ${this.log}`);
        const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        redis.on('error', () => undefined);
        const pong = await redis
          .connect()
          .then(() => redis.ping())
          .catch(() => undefined);
        redis.disconnect();
        return pong === 'PONG';
      },
      { timeoutMs: 10_000, what: `redis-server on port ${this.port}` },
    );
  }

  /** Stops the server: SIGKILL, as a crash would (it keeps nothing, so it comes back empty). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
  }
}
