import { io, type Socket } from 'socket.io-client';

/**
 * A panel of operator consoles: n socket.io clients on one server, each recording how late
 * the messages it is sent arrive. `timeOf` extracts, from a message, the publish time of the
 * newest event it reports (the bench sets every event's occurredAt to its publish time), so
 * latency = receive time − that time.
 */
export interface PanelOptions {
  url: string;
  sockets: number;
  /** The server's event name: `incident` for OreGuard, `event` for the reference. */
  event: string;
  timeOf: (message: any) => string | undefined;
  auth?: Record<string, unknown>;
  /** Sent once connected (OreGuard's `resume`), with an ack awaited. */
  hello?: { event: string; body: unknown };
  /** For messages carrying {siteId, seq}: check each socket gets every site's seq without gap. */
  checkSeq?: boolean;
}

export class SocketPanel {
  received = 0;
  /** Messages whose seq was not the previous one + 1 for their site on their socket. */
  seqFaults = 0;
  private recordingFrom?: number;
  private latencies: number[] = [];
  private readonly sockets: Socket[] = [];

  private constructor(private readonly options: PanelOptions) {}

  static async connect(options: PanelOptions): Promise<SocketPanel> {
    const panel = new SocketPanel(options);
    try {
      await Promise.all(Array.from({ length: options.sockets }, () => panel.open()));
    } catch (error) {
      panel.close();
      throw error;
    }
    return panel;
  }

  /** Starts keeping latencies of messages about events published at or after fromMs. */
  startRecording(fromMs: number): void {
    this.latencies = [];
    this.recordingFrom = fromMs;
  }

  stopRecording(): number[] {
    this.recordingFrom = undefined;
    const out = this.latencies;
    this.latencies = [];
    return out;
  }

  get connected(): number {
    return this.sockets.filter((s) => s.connected).length;
  }

  close(): void {
    for (const socket of this.sockets) socket.disconnect();
  }

  private async open(): Promise<void> {
    const o = this.options;
    const socket = io(o.url, { auth: o.auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000 });
    this.sockets.push(socket);
    const lastSeq = new Map<string, number>();
    socket.on(o.event, (message: any) => {
      const now = Date.now();
      this.received += 1;
      if (o.checkSeq) {
        const before = lastSeq.get(message.siteId);
        if (before !== undefined && message.seq !== before + 1) this.seqFaults += 1;
        lastSeq.set(message.siteId, message.seq);
      }
      if (this.recordingFrom === undefined) return;
      const text = o.timeOf(message);
      const at = text ? Date.parse(text) : NaN;
      if (at >= this.recordingFrom) this.latencies.push(now - at);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`socket to ${o.url}: ${error.message}`)));
    });
    if (o.hello) await socket.timeout(10_000).emitWithAck(o.hello.event, o.hello.body);
  }
}
