import { io, type Socket } from 'socket.io-client';
import type { Api } from './api';
import { SeqTracker } from './seq-tracker';
import {
  SEVERITY_RANK,
  type Incident,
  type LiveGap,
  type LiveMessage,
  type LivePosture,
  type LiveSnapshot,
  type PostureView,
  type Site,
} from './types';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * Messages of a site the console never got and cannot get: shown for as long as the console
 * runs (they may be collapsed, never dismissed), while the board holds the site's current state.
 */
export interface Gap {
  siteId: string;
  /** The first and last seq never applied (`ahead`: applied here, but beyond OreGuard's record). */
  from: number;
  to: number;
  /**
   * `retention`: OreGuard no longer keeps them; `unfilled`: a jump that resuming did not fill;
   * `ahead`: OreGuard's record went back (a restored database) and numbers them again.
   */
  reason: 'retention' | 'unfilled' | 'ahead';
  at: string;
}

/** A seq jump being filled by a resume: the message that showed it waits until it is. */
interface Filling {
  /** The resume was acknowledged: from now on the site's next message must be the missing one. */
  acked: boolean;
  held: LiveMessage;
}

/** The rule of the incidents that say a gateway's or sensor's health changed. */
const HEALTH_RULE = 'sensor-health';

type Listener = () => void;

/**
 * The live board: the open incidents of the operator's sites, from one REST snapshot and then
 * the /live messages, resumed after the last `seq` seen of each site on every reconnect (a
 * network drop, an OreGuard restart), so nothing is missed or applied twice. A message whose
 * `seq` skips ahead is first filled by resuming after the last one applied; if OreGuard says
 * the missed messages are gone (`gap`, then `snapshot`) or the resume does not fill the jump,
 * the gap is recorded and shown for good, and the board takes the site's current state (the
 * snapshot, or REST).
 *
 * Each site's threat posture is read from REST on every (re)connection (the `posture` event is
 * not numbered, so a console that was away reads it again) and then kept by that event.
 */
export class Board {
  readonly incidents = new Map<string, Incident>();
  /** The posture of each of the operator's sites, as OreGuard last said. */
  readonly postures = new Map<string, PostureView>();
  /** The last seq applied, per site. */
  readonly seqs = new SeqTracker();
  readonly gaps: Gap[] = [];
  sites: Site[] = [];
  connection: Connection = 'connecting';
  error = '';
  /** Messages applied, and repeats dropped (a seq already applied), since sign-in. */
  applied = 0;
  repeats = 0;
  private socket?: Socket;
  private redraw = false;
  private sorted?: Incident[];
  private listeners = new Set<Listener>();
  private messageListeners = new Set<(m: LiveMessage) => void>();
  private healthListeners = new Set<(siteId: string) => void>();
  private readonly filling = new Map<string, Filling>();
  /** Incidents changed live while a snapshot was being read: their live state wins. */
  private touchedDuringSnapshot: Set<string> | null = null;
  /** Sites whose posture came live while their postures were being read: the live one wins. */
  private postureTouchedDuringRead: Set<string> | null = null;

  constructor(private readonly api: Api) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMessage(listener: (m: LiveMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /**
   * Called with a site whose gateways' or sensors' health may have changed: a sensor-health
   * incident of it changed live, or its state was read again after a gap.
   */
  onHealthChange(listener: (siteId: string) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Open and acknowledged incidents, most severe first, then newest. */
  list(): Incident[] {
    this.sorted ??= [...this.incidents.values()]
      .filter((i) => i.status !== 'resolved')
      .sort(
        (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.lastSeenAt.localeCompare(a.lastSeenAt),
      );
    return this.sorted;
  }

  start(): void {
    const socket = io('/live', {
      // Called at every (re)connection: the current access token, refreshed if need be.
      auth: (cb) => cb({ token: this.api.session?.accessToken ?? '' }),
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    this.socket = socket;
    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', (reason) => {
      this.setConnection(reason === 'io client disconnect' ? 'offline' : 'reconnecting');
      // A server-side disconnect (the token ran out, the account changed) is not retried by socket.io.
      if (reason === 'io server disconnect') void this.reconnectAfterAuth();
    });
    socket.on('connect_error', (error: Error) => {
      this.setConnection('reconnecting');
      if (/unauthorized/.test(error.message)) void this.reconnectAfterAuth();
    });
    socket.on('incident', (message: LiveMessage) => this.apply(message));
    socket.on('gap', (gap: LiveGap) => this.onGap(gap));
    socket.on('snapshot', (snapshot: LiveSnapshot) => this.onSiteSnapshot(snapshot));
    socket.on('posture', (notice: LivePosture) => this.setPosture(notice.posture));
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }

  private async reconnectAfterAuth(): Promise<void> {
    if (!(await this.api.refresh())) {
      if (!this.api.session) return; // signed out: the sign-in form is back
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    this.socket?.connect();
  }

  private async onConnect(): Promise<void> {
    const socket = this.socket!;
    // Sites already followed resume after their last seq; the others start from now, and the
    // snapshot below (read after this point) gives their state.
    const after = this.seqs.resumeAfter();
    this.filling.clear(); // the resume below asks again for whatever a jump had skipped
    try {
      const ack = (await socket.timeout(10_000).emitWithAck('resume', { after })) as { ok: boolean; error?: string };
      if (!ack.ok) this.error = `Resume refused: ${ack.error ?? 'unknown reason'}`;
    } catch {
      return; // disconnected again meanwhile: the next connect resumes
    }
    this.setConnection('live');
    const unfollowed = this.sites.length === 0 || this.sites.some((s) => !this.seqs.has(s.id));
    if (unfollowed) await this.loadSnapshot();
    await this.loadPostures();
  }

  /**
   * Reads the posture of each site the board shows (only the sites OreGuard listed for this
   * user: an operator never asks for another site's), keeping any that came live meanwhile.
   */
  async loadPostures(): Promise<void> {
    const touched = new Set<string>();
    this.postureTouchedDuringRead = touched;
    try {
      const read = await Promise.all(
        this.sites.map((site) => this.api.request<PostureView>('GET', `/sites/${encodeURIComponent(site.id)}/posture`)),
      );
      for (const posture of read) if (!touched.has(posture.siteId)) this.postures.set(posture.siteId, posture);
    } catch (error) {
      this.error = `Could not read the sites' posture: ${(error as Error).message}`;
    } finally {
      if (this.postureTouchedDuringRead === touched) this.postureTouchedDuringRead = null;
      this.changed();
    }
  }

  /** A site's posture as OreGuard now states it (a live `posture` event, or an acknowledgement's answer). */
  setPosture(posture: PostureView): void {
    this.postures.set(posture.siteId, posture);
    this.postureTouchedDuringRead?.add(posture.siteId);
    this.changed();
  }

  /** Reads the sites and their unresolved incidents from REST, keeping any newer live state. */
  async loadSnapshot(): Promise<void> {
    this.touchedDuringSnapshot = new Set();
    try {
      this.sites = (await this.api.request<{ items: Site[] }>('GET', '/sites')).items;
      const incidents: Incident[] = [];
      for (const status of ['open', 'acknowledged']) {
        let cursor: string | null = null;
        for (let page = 0; page < 10; page++) {
          const query: string = `/incidents?status=${status}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const res: { items: Incident[]; nextCursor: string | null } = await this.api.request('GET', query);
          incidents.push(...res.items);
          cursor = res.nextCursor;
          if (!cursor) break;
        }
      }
      const touched = this.touchedDuringSnapshot;
      for (const incident of incidents) if (!touched.has(incident.id)) this.incidents.set(incident.id, incident);
      this.error = '';
    } catch (error) {
      this.error = `Could not read the board: ${(error as Error).message}`;
    } finally {
      this.touchedDuringSnapshot = null;
      this.changed();
    }
  }

  private apply(message: LiveMessage): void {
    const filling = this.filling.get(message.siteId);
    if (filling && message.seq > this.seqs.next(message.siteId)) {
      // Before the resume's answer: sent before it, and sent again after it. After: the
      // resume did not fill the jump.
      if (filling.acked) this.unfilled(message);
      return;
    }
    const verdict = this.seqs.accept(message.siteId, message.seq);
    if (verdict.kind === 'repeat') {
      this.repeats += 1; // already applied: never twice
      return;
    }
    if (verdict.kind === 'gap') return void this.fill(message);
    if (filling && message.seq >= filling.held.seq) this.filling.delete(message.siteId); // filled
    this.take(message);
  }

  private take(message: LiveMessage): void {
    this.applied += 1;
    this.incidents.set(message.incident.id, message.incident);
    this.touchedDuringSnapshot?.add(message.incident.id);
    for (const listener of this.messageListeners) listener(message);
    if (message.incident.ruleIds.includes(HEALTH_RULE)) this.healthChanged(message.siteId);
    this.changed();
  }

  /** A jump in a site's seq: resume after the last one applied, so OreGuard sends the missing ones. */
  private fill(message: LiveMessage): void {
    const siteId = message.siteId;
    const filling: Filling = { acked: false, held: message };
    this.filling.set(siteId, filling);
    this.socket
      ?.timeout(10_000)
      .emitWithAck('resume', { after: { [siteId]: this.seqs.last(siteId) } })
      .then((ack: { ok: boolean }) => {
        if (this.filling.get(siteId) !== filling) return;
        if (ack.ok) filling.acked = true;
        else this.unfilled(filling.held);
      })
      .catch(() => undefined); // disconnected: the next connection resumes after the last applied
  }

  /** The jump stays: recorded for good, the message applied, and the board read again. */
  private unfilled(message: LiveMessage): void {
    const from = this.seqs.next(message.siteId);
    this.filling.delete(message.siteId);
    this.gaps.push({
      siteId: message.siteId,
      from,
      to: message.seq - 1,
      reason: 'unfilled',
      at: new Date().toISOString(),
    });
    this.seqs.moveTo(message.siteId, message.seq);
    this.take(message);
    void this.loadSnapshot();
  }

  /** OreGuard no longer keeps the messages after our seq: its snapshot of the site comes next. */
  private onGap(gap: LiveGap): void {
    this.filling.delete(gap.siteId);
    const ahead = gap.reason === 'ahead';
    this.gaps.push({
      siteId: gap.siteId,
      from: ahead ? gap.continueFrom + 1 : gap.after + 1,
      to: ahead ? gap.after : gap.continueFrom,
      reason: gap.reason,
      at: new Date().toISOString(),
    });
    this.changed();
  }

  /** The site's state at `seq`: it replaces what the board held of the site. */
  private onSiteSnapshot(snapshot: LiveSnapshot): void {
    for (const [id, incident] of this.incidents) if (incident.siteId === snapshot.siteId) this.incidents.delete(id);
    for (const incident of snapshot.incidents) {
      this.incidents.set(incident.id, incident);
      this.touchedDuringSnapshot?.add(incident.id);
    }
    this.seqs.moveTo(snapshot.siteId, snapshot.seq);
    this.healthChanged(snapshot.siteId);
    this.changed();
  }

  private healthChanged(siteId: string): void {
    for (const listener of this.healthListeners) listener(siteId);
  }

  private setConnection(connection: Connection): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.changed();
  }

  /**
   * Tells the view once per animation frame however many messages came (a resume after a long
   * drop, a busy site), and by a timer too, since a tab in the background gets no frames and must
   * still update its title. The sorted list is kept until something changes.
   */
  private changed(): void {
    this.sorted = undefined;
    if (this.redraw) return;
    this.redraw = true;
    const flush = () => {
      if (!this.redraw) return;
      this.redraw = false;
      for (const listener of this.listeners) listener();
    };
    requestAnimationFrame(flush);
    setTimeout(flush, 100);
  }
}
