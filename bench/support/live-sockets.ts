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
  /**
   * For servers that send the same thing again (an incident each time it changes): what the
   * message is about. A message is timed only when its time is newer than the last one timed
   * for the same subject on its socket, i.e. when it brings news of a newer event.
   */
  subjectOf?: (message: any) => string;
  /** Which latency series a message belongs to (default: one series, 'all'). */
  seriesOf?: (message: any) => string;
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
  private latencies = new Map<string, number[]>();
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
    this.latencies = new Map();
    this.recordingFrom = fromMs;
  }

  /** The latencies recorded since startRecording, by series. */
  stopRecording(): Map<string, number[]> {
    this.recordingFrom = undefined;
    const out = this.latencies;
    this.latencies = new Map();
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
    const socket = io(o.url, {
      auth: o.auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    this.sockets.push(socket);
    const lastSeq = new Map<string, number>();
    const lastTimed = new Map<string, number>();
    socket.on(o.event, (message: any) => {
      const now = Date.now();
      this.received += 1;
      if (o.checkSeq) {
        const before = lastSeq.get(message.siteId);
        if (before !== undefined && message.seq !== before + 1) this.seqFaults += 1;
        lastSeq.set(message.siteId, message.seq);
      }
      const text = o.timeOf(message);
      const at = text ? Date.parse(text) : NaN;
      if (o.subjectOf) {
        const subject = o.subjectOf(message);
        if (!(at > (lastTimed.get(subject) ?? -Infinity))) return; // nothing newer than what it already said
        lastTimed.set(subject, at);
      }
      if (this.recordingFrom === undefined || !(at >= this.recordingFrom)) return;
      const series = o.seriesOf?.(message) ?? 'all';
      const list = this.latencies.get(series) ?? [];
      list.push(now - at);
      this.latencies.set(series, list);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`socket to ${o.url}: ${error.message}`)));
    });
    if (o.hello) await socket.timeout(10_000).emitWithAck(o.hello.event, o.hello.body);
  }
}
