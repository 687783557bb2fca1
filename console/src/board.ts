import { io, type Socket } from 'socket.io-client';
import type { Api } from './api';
import { SeqTracker } from './seq-tracker';
import { SEVERITY_RANK, type Incident, type LiveMessage, type Site } from './types';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** Messages of a site the console never got: shown until dismissed, never hidden. */
export interface Gap {
  siteId: string;
  from: number;
  to: number;
  at: string;
}

type Listener = () => void;

/**
 * The live board: the open incidents of the operator's sites, from one REST snapshot and then
 * the /live messages, resumed after the last `seq` seen of each site on every reconnect (a
 * network drop, an OreGuard restart), so nothing is missed or applied twice. A message whose
 * `seq` skips ahead is a gap: recorded and shown, and the board is read again from REST.
 */
export class Board {
  readonly incidents = new Map<string, Incident>();
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
  private redraw?: ReturnType<typeof setTimeout>;
  private listeners = new Set<Listener>();
  private messageListeners = new Set<(m: LiveMessage) => void>();
  /** Incidents changed live while a snapshot was being read: their live state wins. */
  private touchedDuringSnapshot: Set<string> | null = null;

  constructor(private readonly api: Api) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMessage(listener: (m: LiveMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Open and acknowledged incidents, most severe first, then newest. */
  list(): Incident[] {
    return [...this.incidents.values()]
      .filter((i) => i.status !== 'resolved')
      .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.lastSeenAt.localeCompare(a.lastSeenAt));
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
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }

  dismissGap(gap: Gap): void {
    const index = this.gaps.indexOf(gap);
    if (index >= 0) this.gaps.splice(index, 1);
    this.changed();
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
    try {
      const ack = (await socket.timeout(10_000).emitWithAck('resume', { after })) as { ok: boolean; error?: string };
      if (!ack.ok) this.error = `Resume refused: ${ack.error ?? 'unknown reason'}`;
    } catch {
      return; // disconnected again meanwhile: the next connect resumes
    }
    this.setConnection('live');
    const unfollowed = this.sites.length === 0 || this.sites.some((s) => !this.seqs.has(s.id));
    if (unfollowed) await this.loadSnapshot();
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
    const verdict = this.seqs.accept(message.siteId, message.seq);
    if (verdict.kind === 'repeat') {
      this.repeats += 1; // already applied: never twice
      return;
    }
    if (verdict.kind === 'gap') {
      this.gaps.push({ siteId: message.siteId, from: verdict.from, to: verdict.to, at: new Date().toISOString() });
      void this.loadSnapshot(); // what can be had again: the current state
    }
    this.applied += 1;
    this.incidents.set(message.incident.id, message.incident);
    this.touchedDuringSnapshot?.add(message.incident.id);
    for (const listener of this.messageListeners) listener(message);
    this.changed();
  }

  private setConnection(connection: Connection): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.changed();
  }

  /**
   * Tells the view, at most once per frame's worth of time: a burst of messages (a resume after
   * a long drop, a busy site) is drawn once, not once per message. A timer, not an animation
   * frame, so that a console in a background tab still updates its title.
   */
  private changed(): void {
    if (this.redraw !== undefined) return;
    this.redraw = setTimeout(() => {
      this.redraw = undefined;
      for (const listener of this.listeners) listener();
    }, 16);
  }
}
