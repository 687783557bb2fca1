import { aCyberPayload, aDronePayload, aTheftPayload, NOW, toBytes } from './fixtures/canonical-events';
import { aPassage, aTicket } from '../material/fixtures/material-records';
import { DNS_RECORD, SCAN_ALERT_PLUS_0100, STATS_RECORD } from './fixtures/suricata-records';
import type { ParsedMessage, ParseOptions } from './gateway-message';
import { encodeRemoteIdHex } from '../remote-id/remote-id-encoder';
import { DEFAULT_MAX_FUTURE_MS, MAX_PAYLOAD_BYTES, parseGatewayMessage } from './gateway-message';

const PREFIX = 'oreguard/v1';
const EVENTS = `${PREFIX}/sites/kolwezi-1/gateways/gw-east/events`;
const STATUS = `${PREFIX}/sites/kolwezi-1/gateways/gw-east/status`;
const SURICATA = `${PREFIX}/sites/kolwezi-1/gateways/gw-east/suricata/ids-ot-1`;
const options: ParseOptions = { now: NOW, maxFutureMs: DEFAULT_MAX_FUTURE_MS };

function parse(payload: unknown, topic = EVENTS, opts: ParseOptions = options): ParsedMessage {
  const bytes = payload instanceof Uint8Array ? payload : toBytes(payload);
  return parseGatewayMessage(PREFIX, topic, bytes, opts);
}

function reasonFor(payload: unknown, topic = EVENTS): string {
  const result = parse(payload, topic);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

function acceptedEvent(payload: unknown, topic = EVENTS) {
  const result = parse(payload, topic);
  if (!result.ok || result.type !== 'event') throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}

function edit(base: Record<string, any>, change: (p: Record<string, any>) => void): Record<string, any> {
  change(base);
  return base;
}

describe('parseGatewayMessage: accepted canonical events', () => {
  it('accepts a drone event, taking site and gateway from the topic and storing occurredAt in UTC', () => {
    const event = acceptedEvent(aDronePayload());

    expect(event).toEqual({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
      sensorId: 'rf-mast-2',
      kind: 'drone',
      occurredAt: new Date('2026-11-29T02:12:44.120Z'),
      severity: 'high',
      zone: 'tailings-east',
      seq: 88231,
      source: 'canonical',
      drone: aDronePayload().drone,
    });
  });

  it('accepts a cyber event with its network and addresses', () => {
    const event = acceptedEvent(aCyberPayload());

    expect(event).toMatchObject({
      kind: 'cyber',
      source: 'canonical',
      occurredAt: new Date('2026-11-29T02:13:05.000Z'),
    });
    expect(event.cyber).toEqual(aCyberPayload().cyber);
  });

  it('accepts a theft event whose +02:00 time is the same instant in UTC', () => {
    const event = acceptedEvent(aTheftPayload());

    expect(event.occurredAt.toISOString()).toBe('2026-11-29T02:14:10.500Z');
    expect(event).toMatchObject({ kind: 'theft', zone: 'north-fence', theft: { category: 'perimeter_breach' } });
  });

  it('accepts the minimum: no severity, zone or seq, only the required drone fields', () => {
    const payload = {
      eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
      sensorId: 'radar-1',
      kind: 'drone',
      occurredAt: '2026-11-29T02:14:00Z',
      drone: { detection: 'radar', position: { lat: -10.7, lon: 25.4 } },
    };

    const event = acceptedEvent(payload);

    expect(event).toEqual({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      eventId: payload.eventId,
      sensorId: 'radar-1',
      kind: 'drone',
      occurredAt: new Date('2026-11-29T02:14:00Z'),
      source: 'canonical',
      drone: payload.drone,
    });
  });

  it('keeps the event id in lowercase when the gateway writes it in capitals', () => {
    const event = acceptedEvent(edit(aDronePayload(), (p) => (p.eventId = '5B0C9A63-4F3E-4C55-9B1E-2F1A0C7D9E11')));

    expect(event.eventId).toBe('5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11');
  });

  it('writes IPv6 addresses in compressed form', () => {
    const event = acceptedEvent(
      edit(aCyberPayload(), (p) => (p.cyber.srcIp = 'FE80:0000:0000:0000:D4AA:8D54:3230:720B')),
    );

    expect(event.cyber?.srcIp).toBe('fe80::d4aa:8d54:3230:720b');
  });

  it('accepts an event exactly 5 minutes ahead of now (clock skew allowed)', () => {
    const event = acceptedEvent(edit(aDronePayload(), (p) => (p.occurredAt = '2026-11-29T02:20:00.000Z')));

    expect(event.occurredAt.toISOString()).toBe('2026-11-29T02:20:00.000Z');
  });

  it('accepts an event that arrives hours late (late events are the point of event time)', () => {
    expect(acceptedEvent(edit(aDronePayload(), (p) => (p.occurredAt = '2026-11-28T19:00:00-0300'))).occurredAt).toEqual(
      new Date('2026-11-28T22:00:00Z'),
    );
  });

  it('accepts a payload of exactly 64 KiB', () => {
    const json = JSON.stringify(aDronePayload());
    const padded = json + ' '.repeat(MAX_PAYLOAD_BYTES - json.length);

    expect(parse(padded)).toMatchObject({ ok: true, type: 'event' });
  });

  it('accepts a description of 2000 characters in a theft event', () => {
    expect(parse(edit(aTheftPayload(), (p) => (p.theft.description = 'x'.repeat(2000))))).toMatchObject({ ok: true });
  });
});

describe('parseGatewayMessage: rejected input names the field and the fault', () => {
  const tooBig = new Uint8Array(1024 * 1024).fill(0x20);
  const cases: Array<[string, unknown, string | RegExp]> = [
    ['invalid JSON', '{"eventId": nope}', /^payload: invalid JSON \(.+\)$/],
    ['truncated JSON', JSON.stringify(aDronePayload()).slice(0, 40), /^payload: invalid JSON \(.+\)$/],
    ['a JSON array', '[1,2]', 'payload: must be a JSON object (got an array)'],
    ['JSON null', 'null', 'payload: must be a JSON object (got null)'],
    ['a JSON number', '42', 'payload: must be a JSON object (got 42)'],
    ['a JSON string', '"drone"', 'payload: must be a JSON object (got "drone")'],
    ['an empty payload', '', 'payload: is empty (expected a JSON object)'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'payload: is not valid UTF-8'],
    ['a 1 MiB payload', tooBig, 'payload: 1048576 bytes exceeds the 65536-byte limit'],
    [
      'a string where seq is a number',
      edit(aDronePayload(), (p) => (p.seq = '88231')),
      'seq: must be a number (got "88231")',
    ],
    ['a fractional seq', edit(aDronePayload(), (p) => (p.seq = 1.5)), 'seq: must be an integer (got 1.5)'],
    ['a negative seq', edit(aDronePayload(), (p) => (p.seq = -1)), 'seq: must be at least 0 (got -1)'],
    ['a number as sensorId', edit(aDronePayload(), (p) => (p.sensorId = 7)), 'sensorId: must be a string (got 7)'],
    [
      'an unknown kind',
      edit(aDronePayload(), (p) => (p.kind = 'spaceship')),
      'kind: must be one of drone, cyber, theft (got "spaceship")',
    ],
    ['no kind', edit(aDronePayload(), (p) => delete p.kind), 'kind: required (one of drone, cyber, theft)'],
    ['an extra top-level field', edit(aDronePayload(), (p) => (p.extra = 1)), 'extra: unknown field "extra"'],
    [
      'an extra nested field',
      edit(aDronePayload(), (p) => (p.drone.position.floor = 3)),
      'drone.position.floor: unknown field "floor"',
    ],
    [
      'a kind object not matching kind',
      edit(aDronePayload(), (p) => {
        p.cyber = aCyberPayload().cyber;
        delete p.drone;
      }),
      'cyber: unknown field "cyber" (a drone event carries only a "drone" object)',
    ],
    ['a missing kind object', edit(aDronePayload(), (p) => delete p.drone), 'drone: required'],
    [
      'two kind objects',
      edit(aCyberPayload(), (p) => (p.theft = aTheftPayload().theft)),
      'theft: unknown field "theft" (a cyber event carries only a "cyber" object)',
    ],
    [
      'a time 5 minutes and 1 ms ahead',
      edit(aDronePayload(), (p) => (p.occurredAt = '2026-11-29T03:20:00.001+01:00')),
      'occurredAt: "2026-11-29T03:20:00.001+01:00" (2026-11-29T02:20:00.001Z) is more than 5 minutes in the future (now 2026-11-29T02:15:00.000Z)',
    ],
    [
      'a time without offset',
      edit(aDronePayload(), (p) => (p.occurredAt = '2026-11-29T03:12:44.120')),
      'occurredAt: "2026-11-29T03:12:44.120" is not an ISO 8601 time with a zone offset',
    ],
    [
      'an impossible date',
      edit(aDronePayload(), (p) => (p.occurredAt = '2026-02-30T03:12:44Z')),
      'occurredAt: "2026-02-30T03:12:44Z" is not a real date and time',
    ],
    [
      'a time as epoch millis',
      edit(aDronePayload(), (p) => (p.occurredAt = 1795923164120)),
      'occurredAt: must be a string (got 1795923164120)',
    ],
    [
      'a bad eventId',
      edit(aDronePayload(), (p) => (p.eventId = 'event-88231')),
      'eventId: "event-88231" is not a UUID',
    ],
    [
      'a bad sensorId',
      edit(aDronePayload(), (p) => (p.sensorId = 'RF Mast 2')),
      'sensorId: "RF Mast 2" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    ],
    [
      'a bad zone',
      edit(aDronePayload(), (p) => (p.zone = 'Tailings East')),
      'zone: "Tailings East" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    ],
    ['a theft event without zone', edit(aTheftPayload(), (p) => delete p.zone), 'zone: required'],
    [
      'an unknown severity',
      edit(aDronePayload(), (p) => (p.severity = 'urgent')),
      'severity: must be one of info, low, medium, high, critical (got "urgent")',
    ],
    [
      'a bad IP address',
      edit(aCyberPayload(), (p) => (p.cyber.srcIp = '10.20.4.300')),
      'cyber.srcIp: "10.20.4.300" is not an IPv4 address or an IPv6 address',
    ],
    [
      'a hostname as IP',
      edit(aCyberPayload(), (p) => (p.cyber.dstIp = 'plc-crusher-3')),
      'cyber.dstIp: "plc-crusher-3" is not an IPv4 address or an IPv6 address',
    ],
    [
      'port 70000',
      edit(aCyberPayload(), (p) => (p.cyber.dstPort = 70000)),
      'cyber.dstPort: must be at most 65535 (got 70000)',
    ],
    [
      'no network on a cyber event',
      edit(aCyberPayload(), (p) => delete p.cyber.network),
      'cyber.network: required (one of ot, it)',
    ],
    [
      'an empty signature',
      edit(aCyberPayload(), (p) => (p.cyber.signature = '')),
      'cyber.signature: must not be empty',
    ],
    [
      'lat 91',
      edit(aDronePayload(), (p) => (p.drone.position.lat = 91)),
      'drone.position.lat: must be at most 90 (got 91)',
    ],
    [
      'lon -180.5',
      edit(aDronePayload(), (p) => (p.drone.position.lon = -180.5)),
      'drone.position.lon: must be at least -180 (got -180.5)',
    ],
    [
      'Remote ID unknown altitude -1000',
      edit(aDronePayload(), (p) => (p.drone.position.altM = -1000)),
      'drone.position.altM: must be greater than -1000 (got -1000)',
    ],
    [
      'Remote ID unknown position 0,0',
      edit(aDronePayload(), (p) => (p.drone.position = { lat: 0, lon: 0 })),
      /^drone\.position: lat 0, lon 0 is the Remote ID "unknown" position/,
    ],
    [
      'heading 361',
      edit(aDronePayload(), (p) => (p.drone.headingDeg = 361)),
      'drone.headingDeg: must be at most 360 (got 361)',
    ],
    [
      'confidence 1.5',
      edit(aDronePayload(), (p) => (p.drone.confidence = 1.5)),
      'drone.confidence: must be at most 1 (got 1.5)',
    ],
    [
      'an unknown detection',
      edit(aDronePayload(), (p) => (p.drone.detection = 'lidar')),
      'drone.detection: must be one of remote_id, rf, radar, visual, acoustic (got "lidar")',
    ],
    [
      'null for an optional field',
      edit(aDronePayload(), (p) => (p.drone.uasId = null)),
      'drone.uasId: must be a string (got null)',
    ],
    [
      'a negative quantity',
      edit(aTheftPayload(), (p) => (p.theft.quantityKg = -5)),
      'theft.quantityKg: must be at least 0 (got -5)',
    ],
    [
      'a 2001-character description',
      edit(aTheftPayload(), (p) => (p.theft.description = 'x'.repeat(2001))),
      'theft.description: must be at most 2000 characters long',
    ],
    [
      'a `__proto__` key at top level',
      '{"__proto__":{"polluted":true},' + JSON.stringify(aDronePayload()).slice(1),
      '__proto__: unknown field "__proto__"',
    ],
    [
      'a `__proto__` key in the drone object',
      JSON.stringify(aDronePayload()).replace('"drone":{', '"drone":{"__proto__":{"polluted":true},'),
      'drone.__proto__: unknown field "__proto__"',
    ],
    [
      'a `constructor` key at top level',
      '{"constructor":{"prototype":{"polluted":true}},' + JSON.stringify(aDronePayload()).slice(1),
      'constructor: unknown field "constructor"',
    ],
    [
      'a `constructor` key in the theft object',
      edit(aTheftPayload(), (p) => (p.theft.constructor = { prototype: { polluted: true } })),
      'theft.constructor: unknown field "constructor"',
    ],
  ];

  it.each(cases)('rejects %s', (_name, payload, expected) => {
    const reason = reasonFor(payload);

    if (typeof expected === 'string') expect(reason).toBe(expected);
    else expect(reason).toMatch(expected);
  });

  it('names the first offending field when there are several', () => {
    const payload = edit(aDronePayload(), (p) => {
      p.sensorId = 'Bad';
      p.drone.position.lat = 91;
    });

    expect(reasonFor(payload)).toMatch(/^sensorId: /);
  });

  it('never pollutes Object.prototype, whatever the payload says', () => {
    const hostile =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"drone":{"__proto__":{"polluted":true}}}';

    parse(hostile);

    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('gives the ack the readable eventId of a rejected event, and the route', () => {
    const result = parse(edit(aDronePayload(), (p) => (p.drone.position.lat = 91)));

    expect(result).toMatchObject({
      ok: false,
      eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
      route: { type: 'events', siteId: 'kolwezi-1', gatewayId: 'gw-east' },
    });
  });

  it('checks the size before reading the payload', () => {
    const tooBigButInvalid = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0xff);

    expect(reasonFor(tooBigButInvalid)).toBe('payload: 65537 bytes exceeds the 65536-byte limit');
  });
});

describe('parseGatewayMessage: topics', () => {
  it('rejects a topic naming a bad identifier before looking at the payload', () => {
    expect(reasonFor('not even json', `${PREFIX}/sites/Kolwezi 1/gateways/gw-east/events`)).toBe(
      'topic: siteId "Kolwezi 1" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    );
  });

  it('rejects a topic that fits no pattern', () => {
    expect(reasonFor(aDronePayload(), `${PREFIX}/sites/kolwezi-1/events`)).toBe(
      'topic: "oreguard/v1/sites/kolwezi-1/events" fits no OreGuard topic pattern',
    );
  });

  it("ignores OreGuard's own replies on the acks topic", () => {
    expect(parse('{"status":"stored"}', `${PREFIX}/sites/kolwezi-1/gateways/gw-east/acks`)).toEqual({
      ok: true,
      type: 'ignored',
      reason: "acks: OreGuard's own replies",
    });
  });
});

describe('parseGatewayMessage: Remote ID receivers', () => {
  const REMOTEID = `${PREFIX}/sites/kolwezi-1/gateways/gw-east/remoteid/rid-rx-1`;
  const fix = (tenthsAfterHour: number) =>
    encodeRemoteIdHex({ type: 'location', position: { lat: -10.7148, lon: 25.4663 }, tenthsAfterHour });
  const payload = (messages: string[], receivedAt = '2026-11-29T02:14:00Z') => ({
    receivedAt,
    transmitter: '60:60:1f:aa:bb:cc',
    rssi: -71,
    transport: 'ble',
    messages,
  });

  it('decodes a payload into a report of its transmitter, with the sensor from the topic', () => {
    const result = parse(payload([fix(8395)]), REMOTEID);
    if (!result.ok || result.type !== 'remoteid') throw new Error(JSON.stringify(result));
    expect(result.report).toMatchObject({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      sensorId: 'rid-rx-1',
      transmitter: '60:60:1f:aa:bb:cc',
    });
    expect(result.report.fixes[0]!.occurredAt).toEqual(new Date('2026-11-29T02:13:59.500Z'));
  });

  it('rejects an undecodable message, naming it and the field', () => {
    expect(
      reasonFor(
        payload([fix(100), `12${'00'.repeat(20)}ffff0000`.slice(0, 50).replace(/^(.{42})..../, '$1a18c')]),
        REMOTEID,
      ),
    ).toBe(
      'messages[1]: Location timestamp 36001 tenths of a second after the hour is out of range (0 to 36000, or 65535 for unknown)',
    );
  });

  it('rejects a payload heard in the future, and a fix that resolves to the future', () => {
    expect(reasonFor(payload([fix(100)], '2026-11-29T02:25:00Z'), REMOTEID)).toMatch(
      /^receivedAt: "2026-11-29T02:25:00Z" .* is more than 5 minutes in the future/,
    );
    // Heard at 02:14 with a time of 02:29:00: the drone's clock runs a quarter of an hour ahead.
    expect(reasonFor(payload([fix(17400)]), REMOTEID)).toMatch(
      /^messages\[0\]: Location timestamp: 17400 \(2026-11-29T02:29:00.000Z\) is more than 5 minutes in the future/,
    );
  });
});

describe('parseGatewayMessage: gateway status', () => {
  it('reads an online status with its sensors', () => {
    const payload = {
      state: 'online',
      at: '2026-11-29T03:14:00+01:00',
      sensors: [
        { sensorId: 'rf-mast-2', state: 'ok' },
        { sensorId: 'ids-ot-1', state: 'fault' },
      ],
    };

    expect(parse(payload, STATUS)).toEqual({
      ok: true,
      type: 'status',
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      status: { state: 'online', at: new Date('2026-11-29T02:14:00Z'), sensors: payload.sensors },
    });
  });

  it('reads the offline last will without sensors', () => {
    expect(parse({ state: 'offline', at: '2026-11-29T02:14:00Z' }, STATUS)).toMatchObject({
      ok: true,
      type: 'status',
      status: { state: 'offline' },
    });
  });

  it('refuses a status dated further ahead than maxFutureMs, naming at: it would make every true report after it stale', () => {
    const ahead = new Date(NOW.getTime() + DEFAULT_MAX_FUTURE_MS + 1000).toISOString();
    expect(parse({ state: 'online', at: ahead }, STATUS)).toEqual({
      ok: false,
      kind: 'future',
      reason: `at: "${ahead}" (${ahead}) is more than 5 minutes in the future (now ${NOW.toISOString()})`,
      route: { type: 'status', siteId: 'kolwezi-1', gatewayId: 'gw-east' },
    });
    const justAhead = new Date(NOW.getTime() + DEFAULT_MAX_FUTURE_MS).toISOString();
    expect(parse({ state: 'online', at: justAhead }, STATUS)).toMatchObject({ ok: true, type: 'status' });
  });

  it('takes a status however old: a last will the broker hands over again is as old as the connection it ended', () => {
    const old = { state: 'offline', at: '2026-01-01T00:00:00Z' };
    expect(parse(old, STATUS, { ...options, maxLatenessMs: 86_400_000 })).toMatchObject({
      ok: true,
      type: 'status',
      status: { state: 'offline', at: new Date('2026-01-01T00:00:00Z') },
    });
  });

  it('ignores the empty retained message that clears a status', () => {
    expect(parse(new Uint8Array(0), STATUS)).toMatchObject({ ok: true, type: 'ignored' });
  });

  it.each<[string, unknown, string]>([
    [
      'an unknown state',
      { state: 'rebooting', at: '2026-11-29T02:14:00Z' },
      'state: must be one of online, offline (got "rebooting")',
    ],
    ['no time', { state: 'online' }, 'at: required'],
    [
      'an unknown sensor field',
      { state: 'online', at: '2026-11-29T02:14:00Z', sensors: [{ sensorId: 'rf-mast-2', state: 'ok', battery: 80 }] },
      'sensors.0.battery: unknown field "battery"',
    ],
    [
      'a bad sensor state',
      {
        state: 'online',
        at: '2026-11-29T02:14:00Z',
        sensors: [
          { sensorId: 'rf-mast-2', state: 'ok' },
          { sensorId: 'x', state: 'broken' },
        ],
      },
      'sensors.1.state: must be one of ok, fault, offline (got "broken")',
    ],
  ])('rejects a status with %s', (_name, payload, expected) => {
    expect(reasonFor(payload, STATUS)).toBe(expected);
  });
});

describe('parseGatewayMessage: Suricata records', () => {
  it('turns an alert into a cyber event on the OT network by default', () => {
    const event = acceptedEvent(SCAN_ALERT_PLUS_0100, SURICATA);

    expect(event).toMatchObject({
      source: 'suricata',
      sensorId: 'ids-ot-1',
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      cyber: { network: 'ot' },
    });
  });

  it("uses the sensor's registered network", () => {
    const result = parse(SCAN_ALERT_PLUS_0100, SURICATA, {
      ...options,
      sensorNetwork: (site, gateway, sensor) =>
        site === 'kolwezi-1' && gateway === 'gw-east' && sensor === 'ids-ot-1' ? 'it' : undefined,
    });

    expect(result).toMatchObject({ ok: true, type: 'event', event: { cyber: { network: 'it' } } });
  });

  it.each([STATS_RECORD, DNS_RECORD])('ignores records that are not alerts', (line) => {
    expect(parse(line, SURICATA)).toMatchObject({
      ok: true,
      type: 'ignored',
      reason: expect.stringMatching(/^suricata: event_type "(stats|dns)" is not an alert$/),
    });
  });

  it('rejects an alert stamped more than 5 minutes ahead', () => {
    const line = SCAN_ALERT_PLUS_0100.replace(
      '"timestamp":"2026-11-29T03:12:44.120345+0100"',
      '"timestamp":"2026-11-29T04:12:44.120345+0100"',
    );

    expect(reasonFor(line, SURICATA)).toMatch(
      /^timestamp: "2026-11-29T04:12:44.120345\+0100" \(2026-11-29T03:12:44.120Z\) is more than 5 minutes in the future/,
    );
  });

  it('rejects an alert with a broken field, naming it', () => {
    expect(reasonFor(SCAN_ALERT_PLUS_0100.replace('"src_ip":"10.20.4.17"', '"src_ip":"10.20.4"'), SURICATA)).toBe(
      'src_ip: "10.20.4" is not an IPv4 address or an IPv6 address',
    );
  });
});

describe('parseGatewayMessage never throws', () => {
  it('returns a result for a failing sensor registry lookup', () => {
    const result = parse(SCAN_ALERT_PLUS_0100, SURICATA, {
      ...options,
      sensorNetwork: () => {
        throw new Error('registry down');
      },
    });

    expect(result).toEqual({ ok: false, kind: 'internal', reason: 'payload: could not be parsed (registry down)' });
  });

  it('returns a result for thousands of mangled payloads', () => {
    const seeds = [
      JSON.stringify(aDronePayload()),
      JSON.stringify(aCyberPayload()),
      JSON.stringify(aTheftPayload()),
      SCAN_ALERT_PLUS_0100,
    ];
    let state = 20261129;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i += 1) {
      const bytes = toBytes(seeds[i % seeds.length]);
      const mangled = bytes.slice(0, Math.floor(random() * bytes.length) + 1);
      for (let j = 0; j < 3; j += 1) mangled[Math.floor(random() * mangled.length)] = Math.floor(random() * 256);
      const topic = i % 4 === 3 ? SURICATA : EVENTS;

      const result = parseGatewayMessage(PREFIX, topic, mangled, options);

      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(result.reason).toMatch(/^[^:]+: ./);
    }
  });
});

describe('text PostgreSQL cannot store', () => {
  it('rejects a NUL character inside a string field, naming the field', () => {
    const payload = Buffer.from(
      JSON.stringify({
        eventId: '0d6b3d7e-4a3f-4f55-8c1e-2f1a0c7d9e12',
        sensorId: 'rf-mast-2',
        kind: 'drone',
        occurredAt: '2026-11-29T03:12:44.120+01:00',
        drone: { detection: 'rf', position: { lat: 1, lon: 2 }, model: 'DJI\u0000Mavic' },
      }),
    );
    const parsed = parseGatewayMessage('oreguard/v1', 'oreguard/v1/sites/s1/gateways/g1/events', payload, {
      now: new Date('2026-11-29T03:00:00Z'),
      maxFutureMs: 300_000,
    });
    expect(parsed).toMatchObject({ ok: false, reason: 'drone.model: must not contain the NUL character (\\u0000)' });
  });
});

describe('parseGatewayMessage: the maximum lateness', () => {
  const at = (occurredAt: string, maxLatenessMs?: number) =>
    parseGatewayMessage(
      PREFIX,
      EVENTS,
      Buffer.from(JSON.stringify(edit(aDronePayload(), (p) => (p.occurredAt = occurredAt)))),
      {
        now: new Date('2026-11-29T02:15:00Z'),
        maxFutureMs: 300_000,
        maxLatenessMs,
      },
    );
  const DAYS_30 = 30 * 86_400_000;

  it('accepts an event exactly as old as allowed, and rejects one a millisecond older, naming the setting', () => {
    expect(at('2026-10-30T02:15:00.000Z', DAYS_30)).toMatchObject({ ok: true, type: 'event' });
    expect(at('2026-10-30T02:14:59.999Z', DAYS_30)).toEqual({
      ok: false,
      kind: 'too_old',
      reason:
        'occurredAt: "2026-10-30T02:14:59.999Z" (2026-10-30T02:14:59.999Z) is more than 30 days before it arrived ' +
        '(now 2026-11-29T02:15:00.000Z): older events are not accepted (EVENT_MAX_LATENESS_DAYS)',
      route: expect.anything(),
      eventId: expect.any(String),
    });
  });

  it('accepts any age without a bound', () => {
    expect(at('2020-01-01T00:00:00Z')).toMatchObject({ ok: true, type: 'event' });
  });
});

describe('parseGatewayMessage: the kind of a rejection, from a closed set', () => {
  const kindOf = (payload: unknown, topic = EVENTS) => {
    const result = parse(payload, topic);
    if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
    return result.kind;
  };

  it('names where the rejection was made, whatever the payload said', () => {
    expect(kindOf(aDronePayload(), `${PREFIX}/sites/kolwezi-1/gateways/gw-east/nonsense`)).toBe('topic');
    expect(kindOf(new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toBe('size');
    expect(kindOf(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('encoding');
    expect(kindOf(toBytes('[1]'))).toBe('json');
    expect(kindOf(edit(aDronePayload(), (p) => (p.seq = 'x')))).toBe('schema');
    expect(kindOf(edit(aDronePayload(), (p) => (p.occurredAt = '2030-01-01T00:00:00Z')))).toBe('future');
    expect(kindOf(edit(aDronePayload(), (p) => (p.drone.model = 'a\u0000b')))).toBe('nul');
    expect(kindOf(edit(aDronePayload(), (p) => (p.cyber = aCyberPayload().cyber)))).toBe('unknown_field');
  });

  it('gives every unknown field the same kind, so a flood of new names adds no metric series', () => {
    const kinds = new Set(Array.from({ length: 50 }, (_, i) => kindOf({ ...aDronePayload(), [`field${i}`]: i })));
    expect([...kinds]).toEqual(['unknown_field']);
  });
});

describe('parseGatewayMessage: material records', () => {
  it('refuses a material_discrepancy theft event from a gateway: only reconciliation raises those', () => {
    expect(reasonFor(edit(aTheftPayload(), (p) => (p.theft.category = 'material_discrepancy')))).toBe(
      `theft.category: "material_discrepancy" is raised by OreGuard's own reconciliation (a gateway publishes material records)`,
    );
  });

  const MATERIAL = `${PREFIX}/sites/kolwezi-1/gateways/gw-scale/material`;

  it('accepts a record on the material topic, its site and gateway from the topic', () => {
    const payload = aPassage('in', new Date('2026-11-29T02:00:00Z'), { recordId: 'gate-7' });
    const result = parse(payload, MATERIAL);
    expect(result).toMatchObject({
      ok: true,
      type: 'material',
      siteId: 'kolwezi-1',
      gatewayId: 'gw-scale',
      record: { type: 'gate.passage', recordId: 'gate-7' },
    });
  });

  it('rejects a bad record naming the field, with its recordId for the confirmation', () => {
    const payload = aTicket({ recordId: 'tkt-9' }, { netKg: 1 });
    expect(parse(payload, MATERIAL)).toMatchObject({
      ok: false,
      kind: 'schema',
      reason: 'netKg: must be gross minus tare (45380 - 15020 = 30360) (got 1)',
      recordId: 'tkt-9',
      route: { type: 'material', siteId: 'kolwezi-1', gatewayId: 'gw-scale' },
    });
  });

  it('rejects a weighing time more than 5 minutes in the future, naming the weighing', () => {
    const payload = aTicket({ at: NOW });
    payload.second.at = '2026-11-29T02:30:00Z';
    expect(parse(payload, MATERIAL)).toMatchObject({
      ok: false,
      kind: 'future',
      reason: expect.stringMatching(/^second\.at: "2026-11-29T02:30:00Z" .* in the future/),
    });
  });
});
