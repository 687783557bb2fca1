import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { AuthService } from 'src/auth/auth.service';
import type { Principal } from 'src/auth/principal';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { describeFirstIssue } from 'src/domain/events/describe-issue';
import { IDENTIFIER_PATTERN } from 'src/domain/events/identifiers';
import { Metrics } from 'src/platform/metrics';
import { RateLimiter } from 'src/platform/rate-limiter';
import { Clock } from 'src/platform/clock';
import { Db } from 'src/database/db';
import { receivesPostureNotice, type PostureNotice, type PostureNoticeType } from 'src/posture/posture-notice';
import type { PostureView } from 'src/posture/posture.http';
import { readPostureView } from 'src/posture/posture.service';
import { LiveDispatcher } from './live-dispatcher';
import type { LiveGap } from './live-events.schema';
import { LiveLogReader, type LiveMessage } from './live-log';
import { LiveSnapshotReader, type SiteSnapshot } from './live-snapshot';
import { SocketFeed } from './socket-feed';

/** Server → client events of the /live namespace (contract section 2). */
export interface ServerToClientEvents {
  incident: (message: LiveMessage) => void;
  /** The messages after a resume point are gone (retention): see live-events.schema.ts. */
  gap: (gap: LiveGap) => void;
  /** The site's state after a `gap`; the stream continues after its `seq`. */
  snapshot: (snapshot: SiteSnapshot) => void;
  /**
   * A site's threat posture changed (or was acknowledged, or went unacknowledged), with the
   * posture as it now stands. Not numbered: the incident stream's seq stays exactly the incident
   * messages. A client that was away reads GET /sites/{id}/posture.
   */
  posture: (message: { siteId: string; type: PostureNoticeType; posture: PostureView }) => void;
  /** A refused client message, e.g. `{ code: 'rate-limited', message, retryAfterS }`. */
  error: (error: { code: string; message: string; retryAfterS?: number }) => void;
}

/**
 * Refused messages a socket may send in one window past its allowance before it is
 * disconnected: a client that slips over the limit is told (an `error` event) and its
 * messages refused; one that keeps sending regardless is cut off.
 */
export const WS_ABUSE_TOLERANCE = 10;

export const ResumeSchema = z.strictObject({
  after: z.record(z.string().regex(IDENTIFIER_PATTERN), z.int().min(0)),
});

/** setTimeout fires at once past this (2^31 - 1 ms); longer-lived tokens are cut to it. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Writes each flush of a socket's waiting packets in one system call. engine.io hands a
 * websocket its waiting packets in one go, but ws writes every packet as its own frame, one
 * write each; with messages fanned out to every socket, those writes were the live path's main
 * cost. Holding the TCP socket corked for the flush lets the frames leave together.
 */
/** Whether a browser's Origin is the origin of the request itself (same scheme-less host and port). */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function coalesceWrites(socket: Socket): void {
  const conn = socket.conn;
  conn.on('flush', () => {
    const tcp = (conn.transport as { socket?: { _socket?: { cork?(): void; uncork(): void } } }).socket?._socket;
    if (typeof tcp?.cork !== 'function') return; // not a websocket (long polling writes one response anyway)
    tcp.cork();
    process.nextTick(() => tcp.uncork());
  });
}

type LivePrincipal = Principal & { sessionId: string };
type LiveSocket = Socket<
  Record<string, never>,
  ServerToClientEvents,
  Record<string, never>,
  { principal: LivePrincipal; feed?: SocketFeed }
>;

/**
 * The /live namespace: authenticates in the handshake (Nest guards do not run on connect),
 * gives each socket a feed of the sites it may see, and takes `resume`. No business logic.
 */
@WebSocketGateway({ namespace: '/live' })
export class LiveGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(LiveGateway.name);
  private readonly feeds = new Set<SocketFeed>();

  constructor(
    private readonly auth: AuthService,
    private readonly dispatcher: LiveDispatcher,
    private readonly log: LiveLogReader,
    private readonly snapshots: LiveSnapshotReader,
    private readonly metrics: Metrics,
    private readonly limiter: RateLimiter,
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(namespace: Namespace): void {
    // Browsers may open /live only from the configured origins (CORS_ORIGINS); WebSockets are
    // not covered by CORS, so the Origin header is checked at the handshake. Clients that send
    // no Origin (consoles, services) are not browsers and pass to the token check.
    // The console OreGuard serves itself is on the same origin as /live: always allowed.
    namespace.server.engine.opts.allowRequest = (req, callback) => {
      const origin = req.headers.origin;
      const allowed = !origin || this.config.corsOrigins.includes(origin) || isSameOrigin(origin, req.headers.host);
      callback(allowed ? null : 'origin not allowed', allowed);
    };
    namespace.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      if (typeof token !== 'string') return next(new Error('unauthorized: a token is required'));
      this.auth
        .verify(token)
        .then((principal) => {
          if (!principal) return next(new Error('unauthorized: invalid or expired token'));
          socket.data.principal = principal;
          // The socket ends when its token does.
          const untilExpiry = Math.min(Math.max(0, principal.expiresAt - Date.now()), MAX_TIMER_MS);
          const timer = setTimeout(() => socket.disconnect(true), untilExpiry);
          socket.once('disconnect', () => clearTimeout(timer));
          next();
        })
        .catch(() => next(new Error('unauthorized: could not verify the token')));
    });
    void this.dispatcher.start(
      (siteId, messages) => this.fanOut(namespace, siteId, messages),
      (userId) => {
        // The account changed (disabled, new password, role or sites): its sockets end now.
        for (const socket of namespace.sockets.values()) {
          if ((socket.data as { principal?: LivePrincipal }).principal?.userId === userId) socket.disconnect(true);
        }
      },
      (sessionId) => {
        // The session logged out or was revoked: the sockets opened with its tokens end now.
        for (const socket of namespace.sockets.values()) {
          if ((socket.data as { principal?: LivePrincipal }).principal?.sessionId === sessionId)
            socket.disconnect(true);
        }
      },
      (notice) => void this.sendPosture(namespace, notice),
    );
  }

  /**
   * One site's new messages to every socket that may see them. The sockets for which they are
   * simply next (the usual case) get them by one broadcast per message: encoded once, not once
   * per socket. The others (a resume or catch-up under way) get them through their own queue.
   */
  private fanOut(namespace: Namespace, siteId: string, messages: LiveMessage[]): void {
    const inStep: string[] = [];
    for (const feed of this.feeds) {
      if (feed.takeInStep(siteId, messages)) inStep.push(feed.socketId);
      else feed.deliver(siteId, messages);
    }
    if (inStep.length === 0) return;
    const room = namespace.local.to(inStep); // this instance's own sockets
    for (const message of messages) room.emit('incident', message);
  }

  /** A posture notice to this instance's sockets that may receive it, with the site's posture read now. */
  private async sendPosture(namespace: Namespace, notice: PostureNotice): Promise<void> {
    const sockets = [...namespace.sockets.values()].filter((s) => {
      const principal = (s.data as { principal?: LivePrincipal }).principal;
      return principal !== undefined && receivesPostureNotice(principal, notice);
    });
    if (sockets.length === 0) return;
    try {
      const posture = await readPostureView(this.db.pool, notice.siteId, this.clock.now());
      namespace.local
        .to(sockets.map((s) => s.id))
        .emit('posture', { siteId: notice.siteId, type: notice.type, posture });
    } catch (error) {
      this.logger.warn(`Could not send the posture of ${notice.siteId}: ${(error as Error).message}`);
    }
  }

  handleConnection(socket: LiveSocket): void {
    const principal = socket.data.principal;
    if (!principal) return void socket.disconnect(true);
    const feed = new SocketFeed(
      socket,
      principal,
      this.log,
      this.snapshots,
      this.dispatcher.positions,
      this.config.live.resumeGraceMs,
      (n) => this.metrics.liveMessagesSent.inc(n),
    );
    socket.data.feed = feed;
    coalesceWrites(socket);
    socket.use((packet, next) => void this.limit(socket, packet, next));
    this.feeds.add(feed);
    this.metrics.liveClients.set(this.feeds.size);
  }

  handleDisconnect(socket: LiveSocket): void {
    const feed = socket.data.feed;
    if (!feed) return;
    feed.close();
    this.feeds.delete(feed);
    this.metrics.liveClients.set(this.feeds.size);
  }

  /**
   * RATE_LIMIT_WS_PER_MINUTE messages (any event) per socket. A message over the limit is
   * refused: an `error` event, and its acknowledgement (if asked for) says so; past
   * WS_ABUSE_TOLERANCE refusals in the window the socket is disconnected.
   */
  private async limit(socket: LiveSocket, packet: unknown[], next: (error?: Error) => void): Promise<void> {
    const decision = await this.limiter.hit('ws', socket.id, this.config.rateLimits.wsPerMinute);
    if (decision.allowed) return next();
    const message = `Too many messages: at most ${decision.limit} a minute; retry in ${decision.retryAfterS} s`;
    socket.emit('error', { code: 'rate-limited', message, retryAfterS: decision.retryAfterS });
    const ack = packet[packet.length - 1];
    if (typeof ack === 'function') (ack as (reply: unknown) => void)({ ok: false, error: message });
    if (decision.count >= decision.limit + WS_ABUSE_TOLERANCE) {
      this.logger.warn(`Disconnected a /live socket of ${socket.data.principal.username} that kept flooding`);
      socket.disconnect(true);
    }
  }

  @SubscribeMessage('resume')
  resume(
    @ConnectedSocket() socket: LiveSocket,
    @MessageBody() body: unknown,
  ): { ok: boolean; sites?: string[]; error?: string } {
    const parsed = ResumeSchema.safeParse(body);
    if (!parsed.success) return { ok: false, error: describeFirstIssue(parsed.error, body, 'resume') };
    const feed = socket.data.feed;
    if (!feed) return { ok: false, error: 'not connected' };
    return { ok: true, sites: feed.resume(parsed.data.after) };
  }
}
