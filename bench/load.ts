import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { round, seeded } from '../scripts/simulator/geo';

/**
 * The bench's gateways: a realistic mix of canonical events (contract §1) from many sites and
 * gateways, published at QoS 1 over a few MQTT 5 connections, either as fast as the broker
 * takes them or paced to a target rate. Every event is fresh (a new UUID) and its occurredAt is
 * the moment it is published, so whatever carries that time back (an incident's lastSeenAt, a
 * stored row) tells how long the event took.
 */
export interface LoadOptions {
  url: string;
  topicPrefix: string;
  sites?: number;
  gatewaysPerSite?: number;
  /** MQTT connections the events are spread over (round robin). */
  connections?: number;
  /** Most publishes awaiting their PUBACK per connection. */
  window?: number;
  /** Seed of the event mix, so two runs offer the same sequence of kinds and sources. */
  seed?: number;
}

export interface PublishResult {
  /** Events the broker acknowledged. */
  published: number;
  /** Wall time of the first publish and of the last PUBACK (ms since epoch). */
  firstAt: number;
  lastAckAt: number;
  /** Rate actually offered: published over the time from first publish to last PUBACK. */
  offeredPerSec: number;
}

/** Drones in the air over each site at once, and how they fly (a circle over the site). */
const DRONE_FLIGHTS = 3;
const DRONE_RADIUS_M = 300;
const DRONE_SPEED_MPS = 12;

interface Gateway {
  siteId: string;
  gatewayId: string;
  topic: string;
  seq: number;
}

interface Connection {
  client: MqttClient;
  inflight: number;
  waiters: (() => void)[];
}

const KIND_WEIGHTS: [Kind, number][] = [
  ['drone', 0.45],
  ['cyber', 0.4],
  ['theft', 0.15],
];
type Kind = 'drone' | 'cyber' | 'theft';

export class LoadGenerator {
  private readonly gateways: Gateway[] = [];
  private next = 0;
  private readonly random: () => number;
  private failed?: Error;
  /** Publishes the broker has acknowledged so far, over the generator's life. */
  acked = 0;

  private constructor(
    private readonly connections: Connection[],
    private readonly options: Required<LoadOptions>,
  ) {
    this.random = seeded(options.seed);
    for (let s = 1; s <= options.sites; s++) {
      const siteId = `mine-${String(s).padStart(2, '0')}`;
      for (let g = 1; g <= options.gatewaysPerSite; g++) {
        const gatewayId = `gw-${g}`;
        this.gateways.push({
          siteId,
          gatewayId,
          topic: `${options.topicPrefix}/sites/${siteId}/gateways/${gatewayId}/events`,
          seq: 0,
        });
      }
    }
  }

  static async connect(options: LoadOptions): Promise<LoadGenerator> {
    const full: Required<LoadOptions> = {
      sites: 20,
      gatewaysPerSite: 3,
      connections: 4,
      window: 1000,
      seed: 20261129,
      ...options,
    };
    const connections: Connection[] = [];
    for (let i = 0; i < full.connections; i++) {
      const client = await mqtt.connectAsync(full.url, {
        protocolVersion: 5,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      connections.push({ client, inflight: 0, waiters: [] });
    }
    return new LoadGenerator(connections, full);
  }

  get siteIds(): string[] {
    return [...new Set(this.gateways.map((g) => g.siteId))];
  }

  /** Publishes `count` events as fast as the broker acknowledges them. */
  async burst(count: number): Promise<PublishResult> {
    const firstAt = Date.now();
    for (let i = 0; i < count; i++) {
      await this.publishOne();
      if (i % 256 === 255) await yieldToLoop(); // let samplers and sockets run
    }
    await this.settled();
    return result(count, firstAt);
  }

  /**
   * Offers `perSec` events a second for `durationMs`, in ticks of `tickMs`: each tick publishes
   * what is due by then. If the broker or this process cannot keep up, what is due accumulates
   * and the offered rate reported is what was actually sent.
   */
  async paced(perSec: number, durationMs: number, tickMs = 10): Promise<PublishResult> {
    const firstAt = Date.now();
    let sent = 0;
    for (;;) {
      const elapsed = Date.now() - firstAt;
      if (elapsed >= durationMs) break;
      const due = Math.floor((perSec * elapsed) / 1000);
      while (sent < due && Date.now() - firstAt < durationMs) {
        await this.publishOne();
        sent += 1;
        if (sent % 256 === 0) await yieldToLoop();
      }
      await sleep(Math.max(1, tickMs - ((Date.now() - firstAt) % tickMs)));
    }
    await this.settled();
    return result(sent, firstAt);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.client.endAsync().catch(() => undefined)));
  }

  /** Publishes the next event of the mix; waits while its connection's window is full. */
  private async publishOne(): Promise<void> {
    if (this.failed) throw this.failed;
    const gateway = this.gateways[Math.floor(this.random() * this.gateways.length)];
    const connection = this.connections[this.next++ % this.connections.length];
    while (connection.inflight >= this.options.window)
      await new Promise<void>((resolve) => connection.waiters.push(resolve));
    gateway.seq += 1;
    const payload = JSON.stringify(this.event(gateway));
    connection.inflight += 1;
    connection.client.publish(gateway.topic, payload, { qos: 1 }, (error) => {
      connection.inflight -= 1;
      if (error) this.failed ??= error;
      else this.acked += 1;
      connection.waiters.shift()?.();
      if (connection.inflight === 0) for (const wake of connection.waiters.splice(0)) wake();
    });
  }

  /** Resolves once every publish so far has its PUBACK. */
  private async settled(): Promise<void> {
    for (const connection of this.connections) {
      while (connection.inflight > 0) await new Promise<void>((resolve) => connection.waiters.push(resolve));
    }
    if (this.failed) throw this.failed;
  }

  private event(gateway: Gateway): Record<string, unknown> {
    const kind = this.pick(KIND_WEIGHTS);
    const common = {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      seq: gateway.seq,
    };
    const r = this.random;
    switch (kind) {
      case 'drone': {
        // A site has a few drones in the air at once (DRONE_FLIGHTS), each flying a circle over
        // the site and seen by its own Remote ID, the RF masts and the radar: detections of one
        // flight lie along one path, as real sensors report them, so OreGuard folds each
        // flight into one track rather than one incident per random point.
        const detection = this.pick<'remote_id' | 'rf' | 'radar'>([
          ['remote_id', 0.5],
          ['rf', 0.3],
          ['radar', 0.2],
        ]);
        const flight = Math.floor(r() * DRONE_FLIGHTS);
        const site = Number(gateway.siteId.slice(-2));
        const angle = (Date.now() / 1000) * (DRONE_SPEED_MPS / DRONE_RADIUS_M) + (2 * Math.PI * flight) / DRONE_FLIGHTS;
        const noise = () => (r() - 0.5) * 20; // metres
        const north = DRONE_RADIUS_M * Math.sin(angle) + noise();
        const east = DRONE_RADIUS_M * Math.cos(angle) + noise();
        return {
          ...common,
          sensorId: detection === 'radar' ? 'radar-1' : `rf-mast-${1 + (flight % 3)}`,
          kind,
          severity: this.pick([
            ['low', 0.3],
            ['medium', 0.5],
            ['high', 0.2],
          ]),
          zone: this.pick([
            ['tailings-east', 0.4],
            ['pit-2', 0.4],
            ['plant', 0.2],
          ]),
          drone: {
            detection,
            ...(detection === 'remote_id'
              ? { uasId: `1581F5FKD22${String(site).padStart(2, '0')}${String(flight).padStart(5, '0')}` }
              : {}),
            position: {
              lat: round(-10.72 + north / 111_320, 6),
              lon: round(25.47 + east / (111_320 * Math.cos((10.72 * Math.PI) / 180)), 6),
              altM: round(80 + noise(), 1),
            },
            headingDeg: round(((((angle * 180) / Math.PI + 90) % 360) + 360) % 360, 0),
            speedMps: DRONE_SPEED_MPS,
            ...(detection === 'remote_id' ? {} : { trackId: `trk-${flight}` }),
            confidence: round(0.5 + r() * 0.5, 2),
          },
        };
      }
      case 'cyber': {
        const [category, signature, signatureId] = CYBER_SIGNATURES[Math.floor(r() * CYBER_SIGNATURES.length)];
        return {
          ...common,
          sensorId: r() < 0.7 ? 'ids-ot-1' : 'ids-it-1',
          kind,
          severity: this.pick([
            ['low', 0.4],
            ['medium', 0.4],
            ['high', 0.15],
            ['critical', 0.05],
          ]),
          cyber: {
            category,
            signature,
            signatureId,
            srcIp: `10.20.${Math.floor(r() * 8)}.${1 + Math.floor(r() * 250)}`,
            srcPort: 1024 + Math.floor(r() * 60000),
            dstIp: `10.30.1.${1 + Math.floor(r() * 40)}`,
            dstPort: this.pick([
              [502, 0.5],
              [44818, 0.2],
              [443, 0.3],
            ]),
            protocol: 'TCP',
            network: r() < 0.7 ? 'ot' : 'it',
            asset: `plc-${1 + Math.floor(r() * 12)}`,
          },
        };
      }
      case 'theft': {
        const category = this.pick<'perimeter_breach' | 'unauthorized_access' | 'material_loss' | 'tamper'>([
          ['perimeter_breach', 0.4],
          ['unauthorized_access', 0.3],
          ['material_loss', 0.2],
          ['tamper', 0.1],
        ]);
        return {
          ...common,
          sensorId: this.pick([
            ['fence-north-4', 0.5],
            ['cam-yard-2', 0.3],
            ['door-store-1', 0.2],
          ]),
          kind,
          severity: this.pick([
            ['medium', 0.4],
            ['high', 0.5],
            ['critical', 0.1],
          ]),
          zone: this.pick([
            ['north-fence', 0.5],
            ['ore-yard', 0.3],
            ['store-room', 0.2],
          ]),
          theft: {
            category,
            ...(category === 'material_loss' ? { material: 'cobalt hydroxide', quantityKg: round(r() * 500, 1) } : {}),
            description: 'Sensor alarm raised by the bench gateway',
          },
        };
      }
    }
  }

  private pick<T>(weights: readonly (readonly [T, number])[]): T {
    let x = this.random();
    for (const [value, weight] of weights) {
      if (x < weight) return value;
      x -= weight;
    }
    return weights[weights.length - 1][0];
  }
}

const CYBER_SIGNATURES: [string, string, number][] = [
  ['scan', 'ET SCAN Nmap Scripting Engine User-Agent Detected', 2009358],
  ['scan', 'ET SCAN Modbus TCP Unit ID enumeration', 2022001],
  ['intrusion', 'Modbus write to coil from non-engineering host', 900101],
  ['auth_failure', 'Repeated failed logins on HMI', 900214],
  ['policy', 'Outbound connection from OT to the internet', 900330],
  ['malware', 'ET MALWARE Possible Cobalt Strike beacon', 2027082],
];

function result(published: number, firstAt: number): PublishResult {
  const lastAckAt = Date.now();
  return { published, firstAt, lastAckAt, offeredPerSec: published / Math.max(0.001, (lastAckAt - firstAt) / 1000) };
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
