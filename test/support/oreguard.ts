import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startOreGuard, type RunningOreGuard } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { JsonLogger } from '../../src/platform/json-logger';
import { waitFor } from './wait-for';

/** OreGuard inside the test process: fast, for tests that never kill it. */
export async function startInProcess(env: Record<string, string>): Promise<RunningOreGuard & { baseUrl: string }> {
  const running = await startOreGuard(loadConfig(env), new JsonLogger('error'));
  return { ...running, baseUrl: `http://127.0.0.1:${running.port}` };
}

/**
 * OreGuard as its own process (the built dist/), for tests that crash or restart it.
 * Give it a fixed PORT so a restarted instance is reachable at the same address.
 */
export class OreGuardProcess {
  private child?: ChildProcess;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** Whether the process has ended (or was never started). */
  get exited(): boolean {
    const child = this.child;
    return !child || child.exitCode !== null || child.signalCode !== null;
  }

  async start(): Promise<void> {
    const main = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
    child.stderr!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`OreGuard exited during start-up (${signal ?? code}): ${this.output.slice(-2000)}`)),
      ),
    );
    exited.catch(() => undefined);
    const ready = waitFor(
      async () => {
        const res = await fetch(`${this.baseUrl}/api/v1/health/ready`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'OreGuard to be ready' },
    );
    await Promise.race([ready, exited]);
  }

  /** Kills the process with the signal and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

export function freePort(): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
