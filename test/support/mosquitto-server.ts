import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { waitFor } from './wait-for';

/**
 * A Mosquitto of the test's own, on its own port, with the production configuration the
 * project ships (docker/mosquitto.conf) and a persistence folder of its own. For tests that
 * queue more than Debian's default 1,000 messages, or that kill the broker.
 */
export class MosquittoServer {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'oreguard-mosquitto-'));
  log = '';

  constructor(
    readonly port: number,
    /** A locked-down broker: these lines are added (e.g. password_file, acl_file), anonymous clients refused, and the readiness probe logs in. */
    private readonly auth?: { config: string[]; probe: { username: string; password: string } },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const shipped = readFileSync(join(__dirname, '..', '..', 'docker', 'mosquitto.conf'), 'utf8');
    const conf = shipped
      .replace(/^listener .*$/m, `listener ${this.port} 127.0.0.1`)
      .replace(/^persistence_location .*$/m, `persistence_location ${this.dir}/`)
      .replace(/^allow_anonymous .*$/m, this.auth ? ['allow_anonymous false', ...this.auth.config].join('\n') : '$&');
    const confPath = join(this.dir, 'mosquitto.conf');
    writeFileSync(confPath, conf);
    const child = spawn('mosquitto', ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
        const client = await mqtt
          .connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 1000, ...this.auth?.probe })
          .catch(() => undefined);
        await client?.endAsync();
        return Boolean(client);
      },
      { timeoutMs: 10_000, what: `mosquitto on port ${this.port}` },
    );
  }

  /** Stops the broker: SIGKILL loses what it had not saved (autosave every second). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
