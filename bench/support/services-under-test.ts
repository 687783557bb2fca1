import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process';
import { waitFor } from './wait-for';

/** OreGuard as production runs it: `node <dist>/src/main.js` with its environment. */
export class OreGuardUnderTest {
  readonly process: ManagedProcess;
  startedAt = 0;
  readyAt = 0;

  /** outputFile: where to append everything OreGuard writes (its logs, and V8's traces with --trace-gc-nvp). */
  constructor(
    distDir: string,
    readonly env: Record<string, string>,
    nodeArgs: string[] = [],
    outputFile?: string,
  ) {
    const keep = outputFile ? (chunk: string) => appendFileSync(outputFile, chunk) : undefined;
    this.process = new ManagedProcess(
      'oreguard',
      process.execPath,
      [...nodeArgs, join(distDir, 'src', 'main.js')],
      env,
      keep,
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    this.process.start();
    await waitFor(
      async () => {
        this.process.assertRunning();
        const res = await fetch(`${this.baseUrl}/api/v1/health/ready`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'OreGuard to be ready' },
    );
    this.readyAt = Date.now();
  }

  stop(): Promise<number | null> {
    return this.process.stop('SIGTERM', 30_000);
  }

  async login(username: string, password: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }
}

/** The reference loop (bench/reference-loop.ts) as its own process. */
export class ReferenceUnderTest {
  readonly process: ManagedProcess;

  constructor(
    distDir: string,
    readonly env: {
      REF_DATABASE_URL: string;
      REF_MQTT_URL: string;
      REF_TOPIC_PREFIX: string;
      REF_PORT: string;
      REF_POOL_SIZE?: string;
    },
  ) {
    this.process = new ManagedProcess('reference', process.execPath, [join(distDir, 'bench', 'reference-loop.js')], {
      ...env,
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.env.REF_PORT}`;
  }

  async start(): Promise<void> {
    this.process.start();
    await waitFor(
      () => {
        this.process.assertRunning();
        return /^ready$/m.test(this.process.output);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the reference loop to be ready' },
    );
  }

  stop(): Promise<number | null> {
    return this.process.stop('SIGTERM', 10_000);
  }
}
