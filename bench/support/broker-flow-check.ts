import mqtt from 'mqtt';

export interface BrokerFlowCheck {
  receiveMaximum: number;
  /** Messages received before any PUBACK, and after acknowledging exactly one. */
  beforeAnyAck: number;
  afterOneAck: number;
  /** True when the broker kept to the client's receive maximum. */
  enforced: boolean;
}

/**
 * Does the broker keep to a subscriber's MQTT 5 receive maximum while acknowledgements flow?
 * OreGuard relies on it to bound what it holds in memory (it acknowledges only after commit).
 * The check subscribes with receive maximum 10, has 100 messages published, acknowledges one,
 * and counts: a broker that keeps to it has sent 11 at most.
 */
export async function checkBrokerFlowControl(url: string, topic: string): Promise<BrokerFlowCheck> {
  const receiveMaximum = 10;
  const subscriber = mqtt.connect(url, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
    properties: { receiveMaximum },
    manualConnect: true,
  });
  const ids: number[] = [];
  subscriber.handleMessage = (packet, callback) => {
    ids.push(packet.messageId ?? -1);
    callback(new Error('acknowledged later, or never'));
  };
  subscriber.connect();
  await new Promise<void>((resolve, reject) => {
    subscriber.once('connect', () => resolve());
    subscriber.once('error', reject);
  });
  const publisher = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => publisher.publishAsync(topic, String(i), { qos: 1 })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beforeAnyAck = ids.length;
    (subscriber as unknown as { _sendPacket(p: object): void })._sendPacket({
      cmd: 'puback',
      messageId: ids[0],
      reasonCode: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterOneAck = ids.length;
    return {
      receiveMaximum,
      beforeAnyAck,
      afterOneAck,
      enforced: beforeAnyAck <= receiveMaximum && afterOneAck <= receiveMaximum + 1,
    };
  } finally {
    await publisher.endAsync().catch(() => undefined);
    subscriber.end(true);
  }
}
