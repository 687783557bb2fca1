import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { SESSION_REVOKED_CHANNEL } from 'src/auth/sessions.repository';
import { USER_CHANGED_CHANNEL } from 'src/auth/users.repository';
import { POSTURE_CHANNEL, type PostureNotice } from 'src/posture/posture-notice';
import { CommittedLive } from './committed-live';
import { LIVE_CHANNEL, LiveLogReader, type LiveMessage } from './live-log';

/** Most messages of one site read at once. */
const READ_LIMIT = 1000;

/** How often the log is polled in case a notification was missed (e.g. while reconnecting). */
const POLL_INTERVAL_MS = 1000;

/**
 * Follows the live message log of every site and hands new messages to this instance's
 * sockets. Each instance follows the log itself (LISTEN/NOTIFY for speed, polling as a
 * safety net), so a message reaches every permitted client, whichever instance committed it
 * and whichever instance the client is connected to. It also passes on account changes and
 * revoked sessions, so every instance closes the sockets of a user who was disabled or
 * changed, or of a session that logged out. What this process commits itself is handed over
 * in-process (CommittedLive) and needs no read, when it continues a site's stream exactly.
 */
@Injectable()
export class LiveDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(LiveDispatcher.name);
  /** The last seq handed out, per site. */
  readonly positions = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private reader?: Promise<void>;
  private listener?: Client;
  private pollTimer?: NodeJS.Timeout;
  private stopped = false;
  private subscriber: (siteId: string, messages: LiveMessage[]) => void = () => undefined;
  private userChanged: (userId: string) => void = () => undefined;
  private sessionRevoked: (sessionId: string) => void = () => undefined;
  private postureChanged: (notice: PostureNotice) => void = () => undefined;

  constructor(
    private readonly log: LiveLogReader,
    private readonly committedLive: CommittedLive,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(
    subscriber: (siteId: string, messages: LiveMessage[]) => void,
    userChanged: (userId: string) => void,
    sessionRevoked: (sessionId: string) => void = () => undefined,
    postureChanged: (notice: PostureNotice) => void = () => undefined,
  ): Promise<void> {
    this.subscriber = subscriber;
    this.postureChanged = postureChanged;
    this.userChanged = userChanged;
    this.sessionRevoked = sessionRevoked;
    for (const [siteId, seq] of await this.log.latestSeqs()) this.positions.set(siteId, seq);
    this.committedLive.listen((messages) => this.handOver(messages));
    await this.listen();
    this.pollTimer = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.database.url, application_name: 'oreguard-live' });
    client.on('notification', (n) => {
      if (n.channel === USER_CHANGED_CHANNEL) {
        if (n.payload) this.userChanged(n.payload);
        return;
      }
      if (n.channel === POSTURE_CHANNEL) {
        // Not part of the seq'd incident stream: a posture notice is its own socket event.
        if (n.payload) this.postureChanged(JSON.parse(n.payload) as PostureNotice);
        return;
      }
      if (n.channel === SESSION_REVOKED_CHANNEL) {
        if (n.payload) this.sessionRevoked(n.payload);
        return;
      }
      const at = n.payload?.lastIndexOf(':') ?? -1;
      if (at <= 0) return;
      const siteId = n.payload!.slice(0, at);
      // Already handed out (by this process's own hand-over): nothing to read.
      if (Number(n.payload!.slice(at + 1)) <= (this.positions.get(siteId) ?? 0)) return;
      this.read(siteId);
    });
    client.on('error', (error) => {
      this.logger.warn(`Live listener lost its connection: ${error.message}`);
      void client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
      await client.query(`LISTEN ${USER_CHANGED_CHANNEL}`);
      await client.query(`LISTEN ${SESSION_REVOKED_CHANNEL}`);
      await client.query(`LISTEN ${POSTURE_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.logger.warn(`Live listener could not connect: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1000);
    }
  }

  private async poll(): Promise<void> {
    try {
      for (const [siteId, seq] of await this.log.latestSeqs()) {
        if (seq > (this.positions.get(siteId) ?? 0)) this.read(siteId);
      }
    } catch (error) {
      this.logger.warn(`Live poll failed: ${(error as Error).message}`);
    }
  }

  /**
   * Messages this process has just committed, in each site's order. A site's run is handed out
   * at once if it starts right after the last one handed out; a run that starts later (another
   * transaction's messages come between, not yet seen) makes the site be read from the log, as
   * a notification would; one already handed out is dropped.
   */
  private handOver(messages: readonly LiveMessage[]): void {
    if (this.stopped) return;
    const bySite = new Map<string, LiveMessage[]>();
    for (const m of messages) bySite.set(m.siteId, [...(bySite.get(m.siteId) ?? []), m]);
    for (const [siteId, run] of bySite) {
      const position = this.positions.get(siteId) ?? 0;
      if (run[0].seq === position + 1) {
        this.positions.set(siteId, run[run.length - 1].seq);
        this.subscriber(siteId, run);
      } else if (run[run.length - 1].seq > position) {
        this.read(siteId);
      }
    }
  }

  /**
   * Marks a site as having new messages. One reader runs at a time and reads every marked
   * site in one query, so a burst of notifications (a fold commit touches many sites) costs
   * one round trip, not one per site.
   */
  private read(siteId: string): void {
    this.dirty.add(siteId);
    this.reader ??= this.readDirty().finally(() => {
      this.reader = undefined;
      if (this.dirty.size > 0 && !this.stopped) this.read([...this.dirty][0]);
    });
  }

  private async readDirty(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // gather the notifications of this moment
    while (this.dirty.size > 0 && !this.stopped) {
      const sites = [...this.dirty];
      this.dirty.clear();
      let batches: Map<string, LiveMessage[]>;
      try {
        batches = await this.log.afterEach(
          sites.map((siteId) => [siteId, this.positions.get(siteId) ?? 0]),
          READ_LIMIT,
        );
      } catch (error) {
        this.logger.warn(`Reading the live log failed (the poll retries): ${(error as Error).message}`);
        return;
      }
      for (const [siteId, read] of batches) {
        if (read.length === READ_LIMIT) this.dirty.add(siteId);
        // A hand-over while the log was being read may have handed out some of these already.
        const position = this.positions.get(siteId) ?? 0;
        const messages = read.filter((m) => m.seq > position);
        if (messages.length === 0) continue;
        this.positions.set(siteId, messages[messages.length - 1].seq);
        this.subscriber(siteId, messages);
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await this.reader;
    await this.listener?.end().catch(() => undefined);
  }
}
