import type { Principal } from 'src/auth/principal';
import { canSeeSite } from 'src/auth/principal';
import type { LiveGap } from './live-events.schema';
import type { LiveLogReader, LiveMessage, LogGap } from './live-log';
import type { LiveSnapshotReader, SiteSnapshot } from './live-snapshot';

export interface FeedSocket {
  readonly id: string;
  readonly connected: boolean;
  emit(event: 'incident', message: LiveMessage): unknown;
  emit(event: 'gap', message: LiveGap): unknown;
  emit(event: 'snapshot', message: SiteSnapshot): unknown;
}

/** Most messages read from the log at once. */
const READ_LIMIT = 1000;

/** How long after a failed read (PostgreSQL away) a site's catch-up is tried again. */
const RETRY_MS = 1000;

/**
 * What one socket has been sent, per site, and the single queue through which everything it
 * is sent passes. Each site's messages go out in seq order with no gap: when a live message
 * runs ahead of what the socket has, the missing ones are read back from the log first.
 *
 * A new socket holds its live messages until it sends `resume` (or until the grace period
 * ends), so that a client resuming right after connecting gets its missed messages before
 * any newer one. Sites it does not name start from where the stream stood when it connected.
 */
export class SocketFeed {
  private readonly cursors = new Map<string, number>();
  private queue: Promise<void>;
  /** Tasks queued and not finished: while any is, new messages must queue behind them. */
  private queued = 0;
  private openGate!: () => void;
  private gateOpen = false;
  private readonly graceTimer: NodeJS.Timeout;
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly socket: FeedSocket,
    readonly principal: Principal,
    private readonly log: Pick<LiveLogReader, 'after' | 'gapAfter'>,
    private readonly snapshots: Pick<LiveSnapshotReader, 'read'>,
    streamPositions: ReadonlyMap<string, number>,
    graceMs: number,
    private readonly onSent: (count: number) => void,
  ) {
    for (const [siteId, seq] of streamPositions) {
      if (canSeeSite(principal, siteId)) this.cursors.set(siteId, seq);
    }
    this.queue = new Promise<void>((resolve) => (this.openGate = resolve));
    this.graceTimer = setTimeout(() => this.open(), graceMs);
  }

  /**
   * Takes the messages for sending outside the queue when they are exactly what comes next
   * for this socket: its gate is open, nothing waits in its queue, and they continue its
   * cursor. Returns true when taken (the caller sends them, in order, at once); false when they
   * must go through deliver() (or are not for this socket).
   */
  takeInStep(siteId: string, messages: readonly LiveMessage[]): boolean {
    if (messages.length === 0 || !this.gateOpen || this.queued > 0 || !this.socket.connected) return false;
    if (!canSeeSite(this.principal, siteId)) return false;
    const cursor = this.cursors.get(siteId) ?? messages[0].seq - 1;
    if (messages[0].seq !== cursor + 1 || !isConsecutive(messages)) return false;
    this.cursors.set(siteId, messages[messages.length - 1].seq);
    this.onSent(messages.length);
    return true;
  }

  get socketId(): string {
    return this.socket.id;
  }

  /** Live messages of one site, in seq order, as they were committed. */
  deliver(siteId: string, messages: readonly LiveMessage[]): void {
    if (messages.length === 0 || !canSeeSite(this.principal, siteId)) return;
    this.enqueue(siteId, async () => {
      if (!this.cursors.has(siteId)) this.cursors.set(siteId, messages[0].seq - 1);
      await this.sendThrough(siteId, messages);
    });
  }

  /**
   * Resume after the given seq of each named site the caller may see; returns the sites taken.
   * Everything after those numbers is sent, in order, before the site's live messages go on.
   */
  resume(after: Readonly<Record<string, number>>): string[] {
    const sites = Object.keys(after).filter((siteId) => canSeeSite(this.principal, siteId));
    if (!this.gateOpen) {
      for (const siteId of sites) this.cursors.set(siteId, after[siteId]);
      for (const siteId of sites) this.enqueue(siteId, () => this.catchUp(siteId));
      this.open();
    } else {
      for (const siteId of sites) {
        this.enqueue(siteId, async () => {
          this.cursors.set(siteId, after[siteId]);
          await this.catchUp(siteId);
        });
      }
    }
    return sites;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.graceTimer);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.open();
  }

  private open(): void {
    if (this.gateOpen) return;
    this.gateOpen = true;
    clearTimeout(this.graceTimer);
    this.openGate();
  }

  /** Queues a task of one site; if it fails, the site is caught up from its cursor later. */
  private enqueue(siteId: string, task: () => Promise<void>): void {
    this.queued += 1;
    this.queue = this.queue
      .then(() => (this.socket.connected ? task() : undefined))
      .catch(() => this.retryLater(siteId))
      .finally(() => (this.queued -= 1));
  }

  private retryLater(siteId: string): void {
    if (this.closed || this.retries.has(siteId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(siteId);
      this.enqueue(siteId, () => this.catchUp(siteId));
    }, RETRY_MS);
    this.retries.set(siteId, timer);
  }

  /**
   * Sends every logged message after the cursor, up to `upTo`. Where the log no longer holds
   * the message that comes next, or the site has not reached the cursor, the socket gets `gap`
   * and `snapshot` and goes on after it.
   */
  private async catchUp(siteId: string, upTo = Number.MAX_SAFE_INTEGER): Promise<void> {
    for (;;) {
      const cursor = this.cursors.get(siteId) ?? 0;
      if (cursor >= upTo) return;
      const limit = Math.min(READ_LIMIT, upTo - cursor);
      const batch = await this.log.after(siteId, cursor, limit);
      if (batch.length > 0 && batch[0].seq === cursor + 1) {
        this.send(siteId, batch);
        const sentAll = this.cursors.get(siteId) === batch[batch.length - 1].seq;
        if (sentAll && batch.length < limit) return;
        continue; // more to read, or a hole inside the batch: the next round finds it
      }
      const gap = await this.log.gapAfter(siteId, cursor);
      if (gap) await this.bridge(siteId, cursor, gap);
      else if (batch.length === 0) return; // nothing after the cursor: up to date
    }
  }

  /**
   * The log does not go on from the cursor: say why, send the site's state, go on after it.
   * Messages gone: from the snapshot (or the cursor, were it further). The site behind the
   * cursor: from the snapshot, the site's last seq, whatever the client numbered before.
   */
  private async bridge(siteId: string, after: number, gap: LogGap): Promise<void> {
    const snapshot = await this.snapshots.read(siteId);
    const event: LiveGap =
      gap.reason === 'retention'
        ? {
            siteId,
            after,
            retainedFrom: gap.retainedFrom,
            continueFrom: Math.max(snapshot.seq, after),
            reason: 'retention',
          }
        : { siteId, after, continueFrom: snapshot.seq, reason: 'ahead' };
    this.socket.emit('gap', event);
    this.socket.emit('snapshot', { ...snapshot, seq: event.continueFrom });
    this.cursors.set(siteId, event.continueFrom);
  }

  /** Sends the messages, reading from the log any that come between the cursor and them. */
  private async sendThrough(siteId: string, messages: readonly LiveMessage[]): Promise<void> {
    const last = messages[messages.length - 1].seq;
    if (last <= this.cursors.get(siteId)!) return;
    await this.catchUp(siteId, messages[0].seq - 1);
    this.send(siteId, messages);
    // Not all sent (a hole inside the run, which only the log can explain): read up to the last.
    await this.catchUp(siteId, last);
  }

  private send(siteId: string, messages: readonly LiveMessage[]): void {
    let sent = 0;
    for (const message of messages) {
      const cursor = this.cursors.get(siteId) ?? 0;
      if (message.seq !== cursor + 1) continue; // already sent, or not next: never out of order
      this.socket.emit('incident', message);
      this.cursors.set(siteId, message.seq);
      sent += 1;
    }
    if (sent) this.onSent(sent);
  }
}

function isConsecutive(messages: readonly LiveMessage[]): boolean {
  for (let i = 1; i < messages.length; i++) if (messages[i].seq !== messages[i - 1].seq + 1) return false;
  return true;
}
