import { randomUUID } from 'node:crypto';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * Bad input over MQTT, each message between two good events: every bad message is kept as a
 * rejected event naming the field (none acknowledged and lost), and nothing else is disturbed.
 */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-1';
const REJECTED_PAYLOAD_LIMIT = 4096;

interface BadCase {
  name: string;
  /** Topic after the test's prefix. */
  leaf: string;
  payload: string | Buffer;
  reason: RegExp;
}

const EVENTS = `sites/${SITE}/gateways/${GATEWAY}/events`;
const json = (value: unknown) => JSON.stringify(value);
const drone = (overrides: Record<string, unknown> = {}) => aDroneEvent(overrides);
const droneWith = (change: (e: Record<string, any>) => void) => {
  const event: Record<string, any> = structuredClone(aDroneEvent());
  change(event);
  return json(event);
};
const cyberWith = (change: (e: Record<string, any>) => void) => {
  const event: Record<string, any> = structuredClone(aCyberEvent());
  change(event);
  return json(event);
};
const FIELD_PATTERN = '\\^\\[a-z0-9\\]\\[a-z0-9_-\\]\\{0,63\\}\\$';

const badCases: BadCase[] = [
  {
    name: 'invalid JSON',
    leaf: EVENTS,
    payload: `{"eventId": "${randomUUID()}", nope}`,
    reason: /^payload: invalid JSON \(.+\)$/,
  },
  {
    name: 'truncated JSON',
    leaf: EVENTS,
    payload: json(drone()).slice(0, 60),
    reason: /^payload: invalid JSON \(.+\)$/,
  },
  {
    name: 'a JSON array',
    leaf: EVENTS,
    payload: json([drone()]),
    reason: /^payload: must be a JSON object \(got an array\)$/,
  },
  { name: 'JSON null', leaf: EVENTS, payload: 'null', reason: /^payload: must be a JSON object \(got null\)$/ },
  {
    name: 'a string for seq',
    leaf: EVENTS,
    payload: json(drone({ seq: 'x' })),
    reason: /^seq: must be a number \(got "x"\)$/,
  },
  {
    name: 'an unknown kind',
    leaf: EVENTS,
    payload: json(drone({ kind: 'spaceship' })),
    reason: /^kind: must be one of drone, cyber, theft \(got "spaceship"\)$/,
  },
  {
    name: 'an extra top-level field',
    leaf: EVENTS,
    payload: json(drone({ extra: 1 })),
    reason: /^extra: unknown field "extra"$/,
  },
  {
    name: 'an extra nested field',
    leaf: EVENTS,
    payload: droneWith((e) => (e.drone.position.floor = 3)),
    reason: /^drone\.position\.floor: unknown field "floor"$/,
  },
  {
    name: 'a kind object not matching kind',
    leaf: EVENTS,
    payload: droneWith((e) => {
      e.cyber = aCyberEvent().cyber;
      delete e.drone;
    }),
    reason: /^cyber: unknown field "cyber" \(a drone event carries only a "drone" object\)$/,
  },
  {
    name: 'a missing kind object',
    leaf: EVENTS,
    payload: droneWith((e) => delete e.drone),
    reason: /^drone: required$/,
  },
  {
    name: 'occurredAt 10 minutes in the future',
    leaf: EVENTS,
    payload: json(drone({ occurredAt: new Date(Date.now() + 10 * 60_000).toISOString() })),
    reason: /^occurredAt: "[^"]+" \([^)]+\) is more than 5 minutes in the future \(now [^)]+\)$/,
  },
  {
    name: 'occurredAt without offset',
    leaf: EVENTS,
    payload: json(drone({ occurredAt: '2026-11-29T03:12:44.120' })),
    reason: /^occurredAt: "2026-11-29T03:12:44\.120" is not an ISO 8601 time with a zone offset$/,
  },
  {
    name: 'a bad eventId',
    leaf: EVENTS,
    payload: json(drone({ eventId: 'event-88231' })),
    reason: /^eventId: "event-88231" is not a UUID$/,
  },
  {
    name: 'a bad sensorId',
    leaf: EVENTS,
    payload: json(drone({ sensorId: 'RF Mast 2' })),
    reason: new RegExp(`^sensorId: "RF Mast 2" must match ${FIELD_PATTERN}$`),
  },
  {
    name: 'a theft event without zone',
    leaf: EVENTS,
    payload: (() => {
      const theft: Record<string, unknown> = aTheftEvent();
      delete theft.zone;
      return json(theft);
    })(),
    reason: /^zone: required$/,
  },
  {
    name: 'a bad IP address',
    leaf: EVENTS,
    payload: cyberWith((e) => (e.cyber.srcIp = '10.20.4.300')),
    reason: /^cyber\.srcIp: "10\.20\.4\.300" is not an IPv4 address or an IPv6 address$/,
  },
  {
    name: 'port 70000',
    leaf: EVENTS,
    payload: cyberWith((e) => (e.cyber.dstPort = 70000)),
    reason: /^cyber\.dstPort: must be at most 65535 \(got 70000\)$/,
  },
  {
    name: 'lat 91',
    leaf: EVENTS,
    payload: droneWith((e) => (e.drone.position.lat = 91)),
    reason: /^drone\.position\.lat: must be at most 90 \(got 91\)$/,
  },
  {
    name: 'a __proto__ key at top level',
    leaf: EVENTS,
    payload: `{"__proto__":{"polluted":true},${json(drone()).slice(1)}`,
    reason: /^__proto__: unknown field "__proto__"$/,
  },
  {
    name: 'a __proto__ key in the drone object',
    leaf: EVENTS,
    payload: json(drone()).replace('"drone":{', '"drone":{"__proto__":{"polluted":true},'),
    reason: /^drone\.__proto__: unknown field "__proto__"$/,
  },
  {
    name: 'a 1 MiB payload',
    leaf: EVENTS,
    payload: (() => {
      const head = `{"eventId":"${randomUUID()}","padding":"`;
      return Buffer.from(head + 'x'.repeat(1024 * 1024 - head.length - 2) + '"}');
    })(),
    reason: /^payload: 1048576 bytes exceeds the 65536-byte limit$/,
  },
  {
    name: 'invalid UTF-8 bytes',
    leaf: EVENTS,
    payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    reason: /^payload: is not valid UTF-8$/,
  },
  { name: 'an empty payload', leaf: EVENTS, payload: '', reason: /^payload: is empty \(expected a JSON object\)$/ },
  {
    name: 'a topic with a space in its site',
    leaf: `sites/Kolwezi 1/gateways/${GATEWAY}/events`,
    payload: json(drone()),
    reason: new RegExp(`^topic: siteId "Kolwezi 1" must match ${FIELD_PATTERN}$`),
  },
  {
    name: 'a topic with an uppercase gateway',
    leaf: `sites/${SITE}/gateways/GW-1/events`,
    payload: json(drone()),
    reason: new RegExp(`^topic: gatewayId "GW-1" must match ${FIELD_PATTERN}$`),
  },
  {
    name: 'a Suricata topic with an uppercase sensor',
    leaf: `sites/${SITE}/gateways/${GATEWAY}/suricata/IDS-1`,
    payload: '{"event_type":"stats"}',
    reason: new RegExp(`^topic: sensorId "IDS-1" must match ${FIELD_PATTERN}$`),
  },
  {
    name: 'a topic that fits no pattern',
    leaf: `sites/${SITE}/gateways/${GATEWAY}/nonsense`,
    payload: json(drone()),
    reason: /^topic: ".+\/sites\/kolwezi-1\/gateways\/gw-1\/nonsense" fits no OreGuard topic pattern$/,
  },
  {
    name: 'a Suricata topic with a non-JSON record',
    leaf: `sites/${SITE}/gateways/${GATEWAY}/suricata/ids-ot-1`,
    payload:
      '11/29/2026-03:12:44.120345  [**] [1:2009582:3] ET SCAN NMAP -sS window 1024 [**] {TCP} 10.20.4.17:51544 -> 10.20.1.30:502',
    reason: /^payload: invalid JSON \(.+\)$/,
  },
  {
    name: 'a Suricata alert with a broken address',
    leaf: `sites/${SITE}/gateways/${GATEWAY}/suricata/ids-ot-1`,
    payload: json({
      timestamp: '2026-11-29T03:12:44.120345+0100',
      event_type: 'alert',
      src_ip: '10.20.4',
      dest_ip: '10.20.1.30',
      alert: { signature_id: 1, signature: 'x', severity: 2 },
    }),
    reason: /^src_ip: "10\.20\.4" is not an IPv4 address or an IPv6 address$/,
  },
];

/** A string holding U+0000, which PostgreSQL cannot keep in jsonb (nor in text). */
const nulEvent = aDroneEvent({
  drone: { detection: 'rf', position: { lat: -10.7148, lon: 25.4663 }, model: 'DJI\u0000Mavic 3' },
});
const nulPayload = json(nulEvent);

/** The first 4 KiB of a payload, as text (what the contract says is kept). */
function first4KiB(payload: string | Buffer): string {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return new TextDecoder('utf-8').decode(bytes.subarray(0, REJECTED_PAYLOAD_LIMIT)).replace(/\u0000/g, '\uFFFD');
}

function goodEvent(i: number): Record<string, any> {
  const factory = [aDroneEvent, aCyberEvent, aTheftEvent][i % 3];
  return factory({ seq: i });
}

describe('bad input over MQTT: kept as rejected, counted, and nothing else disturbed', () => {
  const og = oreGuardForFile('bad-input', { env: { INGEST_LINGER_MS: '5' }, untilIngesting: true });
  let gateway: TestGateway;
  let token: string;
  const goods: Record<string, any>[] = [];
  let rejected: { id: string; receivedAt: string; topic: string; reason: string; payload: string }[] = [];

  const api = async (path: string) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const topicOf = (leaf: string) => `${og.ctx.topicPrefix}/${leaf}`;
  const storedAtSite = async () =>
    Number((await og.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE site_id = $1', [SITE]))[0].n);
  const rejectedCount = async () =>
    Number((await og.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM rejected_events'))[0].n);

  beforeAll(async () => {
    gateway = await og.gateway(SITE, GATEWAY);
    token = await login(og.oreguard.baseUrl);

    // good, bad, good, bad, …, good; the U+0000 event among them.
    const publishGood = async () => {
      const event = goodEvent(goods.length);
      goods.push(event);
      await gateway.publish(event);
    };
    for (const bad of [...badCases.slice(0, 12), undefined, ...badCases.slice(12)]) {
      await publishGood();
      if (bad) await gateway.publishRaw(topicOf(bad.leaf), bad.payload);
      else await gateway.publish(nulPayload);
    }
    await publishGood();

    // Every message sent is either stored or rejected: 1 message for the U+0000 event, either way.
    const expectedTotal = goods.length + badCases.length + 1;
    await waitFor(async () => (await storedAtSite()) + (await rejectedCount()) >= expectedTotal, {
      timeoutMs: 30_000,
      what: `${expectedTotal} messages stored or rejected`,
    });
    // Let any extra (a message kept twice, a late redelivery) show before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    rejected = (await api('/rejected-events?limit=500')).body.items;
  }, 60_000);

  it(`sent ${badCases.length} distinct kinds of bad input, each between good events`, () => {
    expect(badCases.length).toBeGreaterThanOrEqual(22);
    expect(new Set(badCases.map((c) => c.name)).size).toBe(badCases.length);
    expect(goods.length).toBe(badCases.length + 2);
  });

  it('stores every good event once and folds it into an incident', async () => {
    const rows = await og.ctx.db.query<{ event_id: string; folded: boolean; links: string }>(
      `SELECT e.event_id, e.folded_at IS NOT NULL AS folded,
              (SELECT count(*) FROM incident_events ie WHERE ie.event_id = e.id) AS links
         FROM events e WHERE e.site_id = $1 AND e.event_id = ANY($2::uuid[])`,
      [SITE, goods.map((g) => g.eventId)],
    );
    expect(rows.map((r) => r.event_id).sort()).toEqual(goods.map((g) => g.eventId).sort());
    const unfolded = await waitFor(
      async () => {
        const pending = await og.ctx.db.query(
          'SELECT event_id FROM events WHERE site_id = $1 AND event_id = ANY($2::uuid[]) AND folded_at IS NULL',
          [SITE, goods.map((g) => g.eventId)],
        );
        return pending.length === 0 ? [] : undefined;
      },
      { what: 'every good event folded' },
    );
    expect(unfolded).toEqual([]);
    const links = await og.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM incident_events ie JOIN events e ON e.id = ie.event_id
         JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
        WHERE e.site_id = $1 AND e.event_id = ANY($2::uuid[])`,
      [SITE, goods.map((g) => g.eventId)],
    );
    expect(Number(links[0].n)).toBe(goods.length);

    const { body } = await api(`/events?siteId=${SITE}&limit=500`);
    const listed = new Map<string, any>(body.items.map((e: any) => [e.eventId, e]));
    for (const good of goods) {
      expect(listed.get(good.eventId)).toMatchObject({
        kind: good.kind,
        seq: good.seq,
        gatewayId: GATEWAY,
        source: 'canonical',
      });
      // Its own incident, and perhaps one a correlation rule opened from it and others.
      expect(listed.get(good.eventId).incidentIds.length).toBeGreaterThanOrEqual(1);
    }
  });

  it.each(badCases.map((c) => [c.name, c] as const))(
    'keeps %s as rejected, naming the field, with its topic and payload',
    (_name, bad) => {
      const matches = rejected.filter((r) => r.topic === topicOf(bad.leaf) && r.payload === first4KiB(bad.payload));
      expect(matches).toHaveLength(1);
      expect(matches[0].reason).toMatch(bad.reason);
      expect(Buffer.byteLength(matches[0].payload, 'utf8')).toBeLessThanOrEqual(REJECTED_PAYLOAD_LIMIT);
      expect(Date.parse(matches[0].receivedAt)).not.toBeNaN();
    },
  );

  it('keeps only the first 4 KiB of the 1 MiB payload, and records its size', async () => {
    const rows = await og.ctx.db.query<{ payload: string; payload_bytes: number }>(
      `SELECT payload, payload_bytes FROM rejected_events WHERE reason LIKE 'payload: 1048576 bytes%'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].payload.length).toBe(REJECTED_PAYLOAD_LIMIT);
    expect(rows[0].payload_bytes).toBe(1024 * 1024);
  });

  it('keeps the event whose string holds U+0000, as stored or as rejected, without blocking the others', async () => {
    const stored = await og.ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [nulEvent.eventId]);
    const kept = rejected.filter((r) => r.topic === topicOf(EVENTS) && r.payload === first4KiB(nulPayload));
    expect(stored.length + kept.length).toBe(1);
    if (kept.length === 1) expect(kept[0].reason).toMatch(/^(drone\.model|storage): /);
    // The good event right after it was stored (checked with all of them above); and the total adds up.
    expect(rejected).toHaveLength(badCases.length + kept.length);
    expect(await rejectedCount()).toBe(badCases.length + kept.length);
    expect(await storedAtSite()).toBe(goods.length + stored.length);
  });

  it('keeps every bad message exactly once: none acknowledged and lost, none kept twice', async () => {
    const nulRejected = rejected.some((r) => r.payload === first4KiB(nulPayload)) ? 1 : 0;
    expect(await rejectedCount()).toBe(badCases.length + nulRejected);
    const keys = rejected.map((r) => `${r.topic}\n${r.payload}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('counts the rejections in the metrics', async () => {
    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    const counted = [...metrics.matchAll(/^oreguard_events_rejected_total\{reason="[^"]*"\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    expect(counted).toBe(await rejectedCount());
    expect(metrics).toMatch(/^oreguard_events_rejected_total\{reason="topic"\} 4$/m);
    expect(metrics).toMatch(/^oreguard_events_rejected_total\{reason="json"\} 6$/m);
    expect(metrics).toMatch(/^oreguard_events_rejected_total\{reason="size"\} 1$/m);
    expect(metrics).toMatch(/^oreguard_events_rejected_total\{reason="encoding"\} 1$/m);
  });

  it('shows rejected events to the admin only with a token', async () => {
    const anonymous = await fetch(`${og.oreguard.baseUrl}/api/v1/rejected-events`);
    expect(anonymous.status).toBe(401);
  });
});
