import { Client } from 'pg';

export interface ChannelListenerOptions {
  /** PostgreSQL to listen on (a connection of the listener's own). */
  url: string;
  channel: string;
  /** application_name of the connection, as pg_stat_activity shows it. */
  applicationName: string;
  /** What listens, in log lines: "Silence listener". */
  name: string;
  logger: { warn(message: string): void };
  onNotification(payload: string | undefined): void;
  /** The connection was lost: notifications may have been missed meanwhile. */
  onLost(): void;
}

/**
 * A LISTEN on one channel that comes back by itself. When its connection is lost it says so
 * (`onLost`: a cache drops what it holds, its TTL keeping it correct meanwhile) and, like when
 * the connection cannot be made, tries again every second until stopped.
 */
export class ChannelListener {
  private client?: Client;
  private stopped = false;

  constructor(private readonly options: ChannelListenerOptions) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const o = this.options;
    const client = new Client({ connectionString: o.url, application_name: o.applicationName });
    client.on('notification', (n) => o.onNotification(n.payload || undefined));
    client.on('error', (error) => {
      o.logger.warn(`${o.name} lost its connection: ${error.message}`);
      o.onLost();
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.retrySoon();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${o.channel}`);
      this.client = client;
    } catch (error) {
      o.logger.warn(`${o.name} could not connect: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
      this.retrySoon();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private retrySoon(): void {
    setTimeout(() => void this.start().catch(() => undefined), 1000);
  }
}
