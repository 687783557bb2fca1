import { Logger } from '@nestjs/common';
import mqtt, { type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';

export interface InboxOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  /** Topic filters to subscribe to at QoS 1 (with `$share/<group>/` already applied). */
  filters: string[];
  /** Whether the filters are shared subscriptions (No Local is not allowed on those). */
  shared: boolean;
  receiveMaximum: number;
}

/** One message from the broker, acknowledged only when the caller says so. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  properties: IPublishPacket['properties'];
  receivedAt: Date;
  /** Sends the PUBACK, if the connection that brought the message is still the current one. */
  ack(): void;
}

/** A PUBACK may be withheld; the broker redelivers the message on the next connection. */
const DEFERRED = new Error('acknowledgement deferred until the message is durable');

/**
 * OreGuard's MQTT session: MQTT 5, a fixed client id, no clean start and a session that
 * never expires, so the broker queues what arrives while OreGuard is away. mqtt.js sends the
 * PUBACK of a QoS 1 message when its `handleMessage` callback succeeds, one message at a time;
 * to commit messages in batches, the inbox declines that PUBACK (the client moves on to the
 * next message without acknowledging) and sends it itself once the message is durable.
 * Up to `receiveMaximum` messages should be awaiting their PUBACK; when more are waiting to
 * be made durable, the inbox stops reading until they are.
 */
export class MqttInbox {
  private readonly logger = new Logger(MqttInbox.name);
  private client?: MqttClient;
  /** Bumped on every (re)connection: a PUBACK is only valid on the connection that got the message. */
  private connection = 0;
  private accepting = true;
  private subscribed = false;
  /** The held mqtt.js callback while OreGuard has too much waiting to be made durable. */
  private heldIntake?: () => void;
  private firstSubscription?: () => void;
  /** Messages handed on and not yet acknowledged (or given up), and who waits for none to be left. */
  private unsettled = 0;
  private whenSettled?: () => void;

  constructor(
    private readonly options: InboxOptions,
    private readonly onMessage: (message: InboundMessage) => void,
    /** True while too many messages wait to be made durable: reading from the broker pauses. */
    private readonly backedUp: () => boolean = () => false,
  ) {}

  /** Connected and subscribed: messages published now reach OreGuard. */
  get connected(): boolean {
    return (this.client?.connected ?? false) && this.subscribed;
  }

  /** Connects; resolves once subscribed, or after waitMs if the broker is not there (it keeps trying). */
  start(waitMs = 10_000): Promise<boolean> {
    const subscribed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      this.firstSubscription = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.connect();
    return subscribed;
  }

  private connect(): void {
    const o = this.options;
    const client = mqtt.connect(o.url, {
      protocolVersion: 5,
      clientId: o.clientId,
      clean: false,
      username: o.username,
      password: o.password,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: o.receiveMaximum },
      manualConnect: true,
    });
    // Handlers first, connection second: queued messages arrive right after CONNACK.
    client.handleMessage = (packet, callback) => {
      this.receive(packet as IPublishPacket);
      // Brokers do not all keep to the receive maximum. Holding the callback stops mqtt.js
      // reading the socket, so TCP pushes back and the broker keeps the rest: memory stays bounded.
      if (this.accepting && this.backedUp()) this.heldIntake = () => callback(DEFERRED);
      else callback(DEFERRED);
    };
    client.on('connect', (connack) => {
      this.connection += 1;
      this.heldIntake = undefined; // belonged to the previous connection's reader
      this.logger.log(`Connected to ${o.url} as ${o.clientId} (session present: ${connack.sessionPresent})`);
      // Re-subscribing an existing session is harmless; rh=1 skips retained messages already sent.
      const subscription = o.filters.map((topic) => [topic, { qos: 1 as const, nl: !o.shared, rh: 1 as const }]);
      client.subscribe(Object.fromEntries(subscription), (error, granted) => {
        const refused = granted?.filter((g) => g.qos > 2) ?? [];
        if (error || refused.length > 0) {
          this.logger.error(`Subscribe failed: ${error?.message ?? refused.map((g) => g.topic).join(', ')}`);
          return;
        }
        this.subscribed = true;
        this.firstSubscription?.();
      });
    });
    client.on('close', () => {
      this.subscribed = false;
      if (this.accepting) this.logger.warn('Disconnected from the broker; reconnecting');
    });
    client.on('error', (error) => this.logger.warn(`MQTT: ${error.message}`));
    this.client = client;
    client.connect();
  }

  private receive(packet: IPublishPacket): void {
    if (!this.accepting) return; // never acknowledged: the broker keeps it for the next session
    const connection = this.connection;
    const { messageId, qos } = packet;
    let settled = false;
    this.unsettled += 1;
    const message: InboundMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      properties: packet.properties,
      receivedAt: new Date(),
      ack: () => {
        if (!settled) {
          settled = true;
          this.unsettled -= 1;
          if (this.unsettled === 0) this.whenSettled?.();
        }
        if (qos === 0 || messageId === undefined) return;
        if (connection !== this.connection || !this.client?.connected) return; // redelivered on the new one
        this.sendPuback(messageId);
      },
    };
    this.onMessage(message);
  }

  private sendPuback(messageId: number): void {
    // The same private path mqtt.js takes for its own PUBACKs; see the class comment.
    (this.client as unknown as { _sendPacket(p: object, cb?: () => void): void })._sendPacket({
      cmd: 'puback',
      messageId,
      reasonCode: 0,
    });
  }

  /** Runs fn (typically a batch's acknowledgements) with the socket corked: one write, not one per PUBACK. */
  corked(fn: () => void): void {
    const stream = this.client?.stream;
    if (!stream || typeof stream.cork !== 'function') return fn();
    stream.cork();
    try {
      fn();
    } finally {
      process.nextTick(() => stream.uncork());
    }
  }

  /** Reads from the broker again once the backlog has gone down. */
  resumeIntake(): void {
    if (!this.heldIntake || this.backedUp()) return;
    const release = this.heldIntake;
    this.heldIntake = undefined;
    release();
  }

  publish(topic: string, payload: string, options: IClientPublishOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.client) return reject(new Error('MQTT client not started'));
      this.client.publish(topic, payload, options, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Stops taking messages (those not acknowledged stay with the broker) and disconnects. */
  stopAccepting(): void {
    this.accepting = false;
    const release = this.heldIntake;
    this.heldIntake = undefined;
    release?.(); // what it reads now is dropped unacknowledged, and redelivered to the next session
  }

  /**
   * Drops the connection at once and for good (no reconnection, nothing more acknowledged):
   * for a slot whose lease is lost, which another instance may take over any moment. What was
   * not acknowledged is redelivered to the next holder of the session.
   */
  abort(): void {
    this.accepting = false;
    this.heldIntake = undefined;
    const client = this.client;
    if (!client) return;
    client.options.reconnectPeriod = 0; // mqtt.js may otherwise schedule one more attempt as the socket closes
    client.end(true);
    client.stream?.destroy(); // also when a clean end was already under way and is taking too long
  }

  /**
   * Resolves true once every message handed on has been acknowledged (typically after
   * stopAccepting, before close), or false after waitMs or when `giveUp` settles first.
   */
  async settled(waitMs: number, giveUp?: Promise<unknown>): Promise<boolean> {
    if (this.unsettled === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => (this.whenSettled = () => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
      ...(giveUp ? [giveUp.then(() => false)] : []),
    ]);
    clearTimeout(timer);
    this.whenSettled = undefined;
    return done;
  }

  /** Disconnects cleanly (DISCONNECT once what it published is acknowledged), at most waitMs, then drops the connection. */
  async close(waitMs = 5000): Promise<void> {
    this.accepting = false;
    const client = this.client;
    if (!client) return;
    client.options.reconnectPeriod = 0;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([ended, late]);
    clearTimeout(timer);
    if (!client.disconnected) this.abort();
  }
}
