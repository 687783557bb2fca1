import type { Principal } from 'src/auth/principal';
import { canSeeSite } from 'src/auth/principal';
import type { LiveLogReader, LiveMessage } from './live-log';

export interface FeedSocket {
  readonly id: string;
  readonly connected: boolean;
  emit(event: 'incident', message: LiveMessage): unknown;
}

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

  constructor(
    private readonly socket: FeedSocket,
    readonly principal: Principal,
    private readonly log: LiveLogReader,
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
    this.enqueue(async () => {
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
      for (const siteId of sites) this.enqueue(() => this.catchUp(siteId));
      this.open();
    } else {
      for (const siteId of sites) {
        this.enqueue(async () => {
          this.cursors.set(siteId, after[siteId]);
          await this.catchUp(siteId);
        });
      }
    }
    return sites;
  }

  close(): void {
    clearTimeout(this.graceTimer);
    this.open();
  }

  private open(): void {
    if (this.gateOpen) return;
    this.gateOpen = true;
    clearTimeout(this.graceTimer);
    this.openGate();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queued += 1;
    this.queue = this.queue
      .then(() => (this.socket.connected ? task() : undefined))
      .catch(() => undefined)
      .finally(() => (this.queued -= 1));
  }

  /** Sends every logged message after the cursor. */
  private async catchUp(siteId: string): Promise<void> {
    for (;;) {
      const batch = await this.log.after(siteId, this.cursors.get(siteId) ?? 0, 1000);
      this.send(siteId, batch);
      if (batch.length < 1000) return;
    }
  }

  /** Sends the messages, reading from the log any that come between the cursor and them. */
  private async sendThrough(siteId: string, messages: readonly LiveMessage[]): Promise<void> {
    const cursor = this.cursors.get(siteId)!;
    const last = messages[messages.length - 1].seq;
    if (last <= cursor) return;
    if (messages[0].seq > cursor + 1) {
      while ((this.cursors.get(siteId) ?? 0) < messages[0].seq - 1) {
        const missing = await this.log.after(siteId, this.cursors.get(siteId)!, Math.min(1000, messages[0].seq - 1 - this.cursors.get(siteId)!));
        if (missing.length === 0) break;
        this.send(siteId, missing);
      }
    }
    this.send(siteId, messages);
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
