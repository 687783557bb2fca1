import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { TEST_SERVICES } from './services';

/** A sensor gateway as tests drive it: an MQTT 5 client publishing at QoS 1. */
export class TestGateway {
  private constructor(
    readonly client: MqttClient,
    readonly topicPrefix: string,
    readonly siteId: string,
    readonly gatewayId: string,
  ) {}

  static async connect(
    topicPrefix: string,
    siteId: string,
    gatewayId: string,
    url = TEST_SERVICES.mqttUrl,
  ): Promise<TestGateway> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 200 });
    return new TestGateway(client, topicPrefix, siteId, gatewayId);
  }

  topic(leaf = 'events'): string {
    return `${this.topicPrefix}/sites/${this.siteId}/gateways/${this.gatewayId}/${leaf}`;
  }

  async publish(payload: unknown, leaf = 'events', options: IClientPublishOptions = {}): Promise<void> {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    await this.client.publishAsync(this.topic(leaf), body, { qos: 1, ...options });
  }

  async publishRaw(topic: string, payload: string | Buffer, options: IClientPublishOptions = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, ...options });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** Removes a persistent session from the broker (connect with clean start and no expiry, then leave). */
export async function clearMqttSession(clientId: string, url = TEST_SERVICES.mqttUrl): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId,
    clean: true,
    properties: { sessionExpiryInterval: 0 },
    reconnectPeriod: 0,
  });
  await client.endAsync();
}
