import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { waitFor } from './wait-for';

/** Where Debian installs the dynamic security plugin (the shipped conf names the Docker image's path). */
const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

/**
 * A Mosquitto of the test's own, on its own port, with the production configuration the
 * project ships (docker/mosquitto.conf) and a persistence folder of its own. For tests that
 * queue more than Debian's default 1,000 messages, or that kill the broker.
 *
 * Without `auth` it is the shipped configuration made anonymous for the test (the plugin lines
 * dropped, `allow_anonymous true`); with it, the shipped configuration as it is, its plugin
 * reading the given dynamic security file.
 */
export class MosquittoServer {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'oreguard-mosquitto-'));
  log = '';

  constructor(
    readonly port: number,
    /** The shipped, locked-down broker: accounts from this dynamic security file; the readiness probe logs in. */
    private readonly auth?: { dynsecFile: string; probe: { username: string; password: string } },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const shipped = readFileSync(join(__dirname, '..', '..', 'docker', 'mosquitto.conf'), 'utf8');
    const located = shipped
      .replace(/^listener .*$/m, `listener ${this.port} 127.0.0.1`)
      .replace(/^persistence_location .*$/m, `persistence_location ${this.dir}/`);
    const conf = this.auth
      ? located
          .replace(/^plugin .*$/m, `plugin ${DYNSEC_PLUGIN}`)
          .replace(/^plugin_opt_config_file .*$/m, `plugin_opt_config_file ${this.auth.dynsecFile}`)
          // Started as root, Mosquitto drops to its own user, which cannot read a mode-600 file of root's.
          .concat(process.getuid?.() === 0 ? 'user root\n' : '')
      : located.replace(/^plugin.*\n/gm, '').replace(/^allow_anonymous .*$/m, 'allow_anonymous true');
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
