import { randomBytes } from 'node:crypto';
import mqtt, { type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { SIGNATURE_PROPERTY, signMessage } from 'src/domain/events/event-signature';
import { mqttPasswordFor, mqttUsername } from 'src/sites/gateway-credentials';
import type { PlannedMessage } from './scenario-plan';

export type ConfirmationStatus = 'stored' | 'duplicate' | 'rejected';
export interface Confirmation {
  status: ConfirmationStatus;
  eventId?: string;
  reason?: string;
}

export interface GatewayLinkOptions {
  url: string;
  prefix: string;
  siteId: string;
  gatewayId: string;
  publishTimeoutMs: number;
  /** Ask OreGuard for end-to-end confirmations (MQTT 5 response topic) and report them. */
  confirm: boolean;
  onConfirmation: (message: PlannedMessage, confirmation: Confirmation) => void;
  /** The gateway's secret, when it must sign: every event-bearing message (not status) carries `oreguard-sig` (v2). */
  secret?: string;
  /**
   * Log in to a locked-down broker as the gateway's own account: username and client id
   * `{site}.{gateway}`, the password derived from `secret` (as `npm run gateways:mosquitto` writes it).
   */
  brokerLogin?: boolean;
}

interface Pending {
  message: PlannedMessage;
  correlation: string;
}

/**
 * One gateway's MQTT 5 link to the broker, as a real gateway holds it: its own client, a last
 * will that says `offline` (retained) on its status topic, QoS 1 publishes that must be
 * acknowledged in time. With confirmations on, it keeps each stored message until OreGuard
 * confirms it and sends the unconfirmed ones again after a reconnect (a resend is harmless).
 */
export class SimulatedGateway {
  private client?: MqttClient;
  private readonly pending = new Map<string, Pending>();
  private counter = 0;
  private readonly clientId: string;

  private readonly login?: { username: string; password: string };

  constructor(private readonly options: GatewayLinkOptions) {
    if (options.brokerLogin) {
      if (!options.secret)
        throw new Error(
          `Gateway ${options.gatewayId}: a broker login needs its secret (--secret ${options.gatewayId}=…)`,
        );
      // The broker binds the account to this one client id.
      this.login = {
        username: mqttUsername(options.siteId, options.gatewayId),
        password: mqttPasswordFor(options.secret),
      };
      this.clientId = this.login.username;
    } else {
      this.clientId = `oreguard-sim-${options.siteId}-${options.gatewayId}-${randomBytes(3).toString('hex')}`;
    }
  }

  get acksTopic(): string {
    return `${this.options.prefix.replace(/\/+$/, '')}/sites/${this.options.siteId}/gateways/${this.options.gatewayId}/acks`;
  }

  get unconfirmed(): PlannedMessage[] {
    return [...this.pending.values()].map((p) => p.message);
  }

  /** Connects with the last will, says `online` (retained), and resends what is still unconfirmed. */
  async connect(will: PlannedMessage, online: PlannedMessage): Promise<PlannedMessage[]> {
    const client = await mqtt.connectAsync(this.options.url, {
      protocolVersion: 5,
      clientId: this.clientId,
      ...this.login,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.options.publishTimeoutMs,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    });
    this.client = client;
    client.on('error', () => undefined); // surfaced by the publish that fails
    if (this.options.confirm) {
      client.on('message', (topic: string, body: Buffer, packet: IPublishPacket) => this.onAck(topic, body, packet));
      await this.withTimeout(client.subscribeAsync(this.acksTopic, { qos: 1 }), `subscribe to ${this.acksTopic}`);
    }
    await this.publish(online);
    const resent = this.unconfirmed;
    for (const p of [...this.pending.values()]) await this.send(p);
    return resent;
  }

  async publish(message: PlannedMessage): Promise<void> {
    if (this.options.confirm && message.stored) {
      const correlation = `${this.options.gatewayId}-${++this.counter}`;
      const pending = { message, correlation };
      this.pending.set(correlation, pending);
      await this.send(pending);
    } else {
      await this.send({ message, correlation: '' });
    }
  }

  /** The link dies with no DISCONNECT: the broker sees the socket close and publishes the last will. */
  drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.stream.destroy();
    client?.end(true);
  }

  /** Leaves cleanly: `offline` (retained), then DISCONNECT, so the last will is not published. */
  async close(offline?: PlannedMessage): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (offline) await this.publish(offline);
    this.client = undefined;
    await this.withTimeout(client.endAsync(), 'disconnect');
  }

  private async send({ message, correlation }: Pending): Promise<void> {
    const client = this.client;
    if (!client) throw new Error(`${this.options.gatewayId} is not connected`);
    const properties: IClientPublishOptions['properties'] = {
      ...(correlation && { responseTopic: this.acksTopic, correlationData: Buffer.from(correlation) }),
      ...(this.options.secret &&
        message.role !== 'status' && {
          // Over the exact topic and payload bytes sent (contract §1, "Signed events").
          userProperties: {
            [SIGNATURE_PROPERTY]: signMessage(message.topic, Buffer.from(message.payload), this.options.secret),
          },
        }),
    };
    await this.withTimeout(
      client.publishAsync(message.topic, message.payload, {
        qos: 1,
        retain: message.retain,
        ...(Object.keys(properties).length > 0 && { properties }),
      }),
      `PUBACK for ${message.shortTopic}`,
    );
  }

  private onAck(topic: string, body: Buffer, packet: IPublishPacket): void {
    if (topic !== this.acksTopic) return;
    const correlation = packet.properties?.correlationData?.toString();
    const pending = correlation ? this.pending.get(correlation) : undefined;
    if (!pending) return;
    this.pending.delete(correlation!);
    let confirmation: Confirmation;
    try {
      confirmation = JSON.parse(body.toString()) as Confirmation;
    } catch {
      confirmation = { status: 'rejected', reason: `unreadable confirmation: ${body.toString().slice(0, 100)}` };
    }
    this.options.onConfirmation(pending.message, confirmation);
  }

  private async withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.options.gatewayId}: no ${what} within ${this.options.publishTimeoutMs} ms`)),
        this.options.publishTimeoutMs,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
