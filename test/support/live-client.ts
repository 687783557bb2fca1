import { io, type Socket } from 'socket.io-client';

export interface IncidentMessage {
  siteId: string;
  seq: number;
  type: string;
  incident: {
    id: string;
    siteId: string;
    eventCount: number;
    severity: string;
    status: string;
    lastSeenAt: string;
    [k: string]: unknown;
  };
}

export async function login(baseUrl: string, username = 'admin', password = 'admin-password'): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export interface PostureMessage {
  siteId: string;
  type: string;
  posture: {
    siteId: string;
    level: string;
    own: string;
    floor: string;
    change: { changeId: string; level: string } | null;
    [k: string]: unknown;
  };
}

/** An operator console: a /live socket that records every incident message it is sent. */
export class LiveClient {
  readonly messages: IncidentMessage[] = [];
  /** The `posture` events it was sent (not numbered; a separate stream from the incident messages). */
  readonly postures: PostureMessage[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('incident', (m: IncidentMessage) => this.messages.push(m));
    socket.on('posture', (m: PostureMessage) => this.postures.push(m));
  }

  static async connect(
    baseUrl: string,
    token: string,
    opts: { resumeAfter?: Record<string, number> } = {},
  ): Promise<LiveClient> {
    const socket = io(`${baseUrl}/live`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(error));
    });
    if (opts.resumeAfter) await client.resume(opts.resumeAfter);
    return client;
  }

  resume(after: Record<string, number>): Promise<{ ok: boolean; sites?: string[]; error?: string }> {
    return this.socket.timeout(5000).emitWithAck('resume', { after });
  }

  forSite(siteId: string): IncidentMessage[] {
    return this.messages.filter((m) => m.siteId === siteId);
  }

  lastSeq(siteId: string): number {
    const site = this.forSite(siteId);
    return site.length ? site[site.length - 1].seq : 0;
  }

  close(): void {
    this.socket.disconnect();
  }
}
