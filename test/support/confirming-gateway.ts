import mqtt, { type MqttClient } from 'mqtt';
import { TEST_SERVICES } from './services';
import { waitFor } from './wait-for';

/** What OreGuard answers on a gateway's acks topic (contract §1, end-to-end confirmation). */
export interface Confirmation {
  status: 'stored' | 'duplicate' | 'rejected';
  eventId?: string;
  reason?: string;
}

interface Unconfirmed {
  payload: string;
  lastSentAt: number;
}

/**
 * A gateway that must lose nothing, as the contract describes it: every event is published
 * (MQTT 5, QoS 1) with a `responseTopic` of its own acks topic and its event id as
 * `correlationData`; it keeps the event until OreGuard confirms it `stored` or `duplicate`,
 * and resends whatever is still unconfirmed after `resendAfterMs`, whatever happened to the
 * broker or OreGuard meanwhile. A resend is harmless: OreGuard answers `duplicate`.
 */
export class ConfirmingGateway {
  /** Final answer per event id (the first stored/duplicate/rejected seen). */
  readonly confirmations = new Map<string, Confirmation>();
  /** Events sent again because no confirmation came in time. */
  resends = 0;
  private readonly unconfirmed = new Map<string, Unconfirmed>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly client: MqttClient,
    readonly topicPrefix: string,
    readonly siteId: string,
    readonly gatewayId: string,
    private readonly resendAfterMs: number,
  ) {
    client.on('message', (topic, payload, packet) => {
      if (topic !== this.topic('acks')) return;
      const eventId = packet.properties?.correlationData?.toString();
      if (!eventId || this.confirmations.has(eventId)) return;
      const body = JSON.parse(payload.toString()) as Confirmation;
      this.confirmations.set(eventId, body);
      this.unconfirmed.delete(eventId);
    });
    // A clean-start client loses its subscription with the broker's state: subscribe on every connection.
    client.on('connect', () => client.subscribe(this.topic('acks'), { qos: 1 }, () => undefined));
    this.timer = setInterval(() => this.resendOverdue(), Math.min(500, resendAfterMs));
  }

  static async connect(
    topicPrefix: string,
    siteId: string,
    gatewayId: string,
    { url = TEST_SERVICES.mqttUrl, resendAfterMs = 2000 }: { url?: string; resendAfterMs?: number } = {},
  ): Promise<ConfirmingGateway> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 200,
      connectTimeout: 2000,
    });
    const gateway = new ConfirmingGateway(client, topicPrefix, siteId, gatewayId, resendAfterMs);
    await client.subscribeAsync(gateway.topic('acks'), { qos: 1 });
    return gateway;
  }

  topic(leaf: 'events' | 'acks'): string {
    return `${this.topicPrefix}/sites/${this.siteId}/gateways/${this.gatewayId}/${leaf}`;
  }

  /** Events sent and not yet confirmed. */
  get pending(): number {
    return this.unconfirmed.size;
  }

  /** Sends a canonical event and keeps it until it is confirmed. */
  send(event: { eventId: string }): void {
    const entry = { payload: JSON.stringify(event), lastSentAt: Date.now() };
    this.unconfirmed.set(event.eventId, entry);
    this.publish(event.eventId, entry);
  }

  async waitAllConfirmed(timeoutMs: number): Promise<void> {
    await waitFor(() => this.pending === 0, {
      timeoutMs,
      intervalMs: 100,
      what: `every event of ${this.siteId}/${this.gatewayId} to be confirmed (${this.pending} pending)`,
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.client.endAsync(true);
  }

  private publish(eventId: string, entry: Unconfirmed): void {
    entry.lastSentAt = Date.now();
    // The publish outcome does not matter: only OreGuard's confirmation releases the event.
    this.client.publish(
      this.topic('events'),
      entry.payload,
      { qos: 1, properties: { responseTopic: this.topic('acks'), correlationData: Buffer.from(eventId) } },
      () => undefined,
    );
  }

  private resendOverdue(): void {
    if (!this.client.connected) return; // nothing to send to; overdue events go out once the broker is back
    const due = Date.now() - this.resendAfterMs;
    for (const [eventId, entry] of this.unconfirmed) {
      if (entry.lastSentAt > due) continue;
      this.resends += 1;
      this.publish(eventId, entry);
    }
  }
}
