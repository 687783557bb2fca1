import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ManagedProcess } from './managed-process';
import { repoRoot } from './paths';
import { waitFor } from './wait-for';

/**
 * The bench's own Mosquitto, on its own port, with the configuration the project ships
 * (docker/mosquitto.conf: no cap on queued messages, persistence) and a persistence folder of
 * its own. The machine's broker keeps Debian's defaults (1,000 queued messages per client),
 * which the backlog phase would overflow. Its authentication is left out (anonymous clients on
 * loopback), and one line is added: `sys_interval 1`, so the bench can read how many messages
 * the broker holds ($SYS/broker/store/messages/count).
 */
export class BenchBroker {
  readonly process: ManagedProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'oreguard-bench-mosquitto-'));

  constructor(readonly port: number) {
    const shipped = readFileSync(join(repoRoot(), 'docker', 'mosquitto.conf'), 'utf8');
    // The shipped queueing and persistence, without its authentication (the bench's clients are
    // its own, on loopback): the dynamic security plugin lines go and anonymous clients may connect.
    const conf = shipped
      .replace(/^listener .*$/m, `listener ${port} 127.0.0.1`)
      .replace(/^persistence_location .*$/m, `persistence_location ${this.dir}/`)
      .replace(/^plugin.*\n/gm, '')
      .replace(/^allow_anonymous .*$/m, 'allow_anonymous true')
      .concat('\n# Added by the bench: $SYS statistics every second.\nsys_interval 1\n');
    const confPath = join(this.dir, 'mosquitto.conf');
    writeFileSync(confPath, conf);
    this.process = new ManagedProcess('mosquitto', 'mosquitto', ['-c', confPath]);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    await waitFor(
      async () => {
        this.process.assertRunning();
        const client = await mqtt
          .connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 1000 })
          .catch(() => undefined);
        await client?.endAsync();
        return Boolean(client);
      },
      { timeoutMs: 10_000, what: `mosquitto on port ${this.port}` },
    );
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGKILL', 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Follows the broker's $SYS count of stored messages (retained and queued). */
export class BrokerStoreWatch {
  current = 0;
  max = 0;
  private constructor(private readonly client: mqtt.MqttClient) {}

  static async connect(url: string): Promise<BrokerStoreWatch> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 1000 });
    const watch = new BrokerStoreWatch(client);
    client.on('message', (_topic, payload) => {
      const n = Number(payload.toString());
      if (Number.isFinite(n)) {
        watch.current = n;
        watch.max = Math.max(watch.max, n);
      }
    });
    await client.subscribeAsync('$SYS/broker/store/messages/count', { qos: 0 });
    return watch;
  }

  resetMax(): void {
    this.max = this.current;
  }

  async close(): Promise<void> {
    await this.client.endAsync().catch(() => undefined);
  }
}
