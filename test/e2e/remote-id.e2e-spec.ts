import type { IPublishPacket } from 'mqtt';
import {
  encodeRemoteIdHex,
  type RemoteIdMessageInput,
  type SingleMessageInput,
} from '../../src/domain/remote-id/remote-id-encoder';
import { untilIngesting } from '../support/ingest-ready';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * A Remote ID receiver behind a gateway publishes the raw ASTM F3411 messages it hears, over the
 * real broker, to OreGuard: identity and fixes arrive in separate payloads, one is garbled, one
 * is re-sent, one drone jumps 2 km in a second.
 */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-rid';
const SENSOR = 'rid-rx-1';
const DRONE_A = '60:60:1f:aa:bb:01';
const DRONE_B = '60:60:1f:aa:bb:02';
const PIT = { lat: -10.7148, lon: 25.4663 };
const OPERATOR_SPOT = { lat: -10.716, lon: 25.465 };

const heardAt = new Date();
const later = (ms: number) => new Date(heardAt.getTime() + ms);
const tenths = (at: Date) =>
  (at.getUTCMinutes() * 60 + at.getUTCSeconds()) * 10 + Math.floor(at.getUTCMilliseconds() / 100);
/** The instant a Location's tenths stand for (the fix is taken 0.5 s before it is heard). */
const fixTime = (at: Date) => new Date(Math.floor(at.getTime() / 100) * 100);

function fix(at: Date, position = PIT): SingleMessageInput {
  return {
    type: 'location',
    status: 'airborne',
    position,
    geodeticAltitudeM: 1450,
    speedMps: 9.5,
    directionDeg: 120,
    tenthsAfterHour: tenths(at),
  };
}
const north = (metres: number) => ({ lat: PIT.lat + metres / 111_195, lon: PIT.lon });

function payload(transmitter: string, at: Date, messages: (RemoteIdMessageInput | string)[]) {
  return JSON.stringify({
    receivedAt: at.toISOString(),
    transmitter,
    rssi: -68,
    transport: 'ble',
    messages: messages.map((m) => (typeof m === 'string' ? m : encodeRemoteIdHex(m))),
  });
}

const IDENTITY_A = payload(DRONE_A, later(-2000), [
  { type: 'basic_id', idType: 'serial_number', uaType: 'helicopter_or_multirotor', uasId: '1581F5FKD232800D2TK8' },
  { type: 'system', operatorLocationType: 'live_gnss', operatorPosition: OPERATOR_SPOT },
  { type: 'operator_id', operatorId: 'ZMB-OP-0042' },
]);
const FIX_A = payload(DRONE_A, later(0), [fix(later(-500))]);
/** Byte 8 of the second message makes its latitude 0x7f…: 214.7°. */
const GARBLED = payload(DRONE_A, later(300), [
  encodeRemoteIdHex(fix(later(200))),
  `${encodeRemoteIdHex(fix(later(200))).slice(0, 10)}ffffff7f${encodeRemoteIdHex(fix(later(200))).slice(18)}`,
]);
const PACK_B = payload(DRONE_B, later(400), [
  {
    type: 'message_pack',
    messages: [
      { type: 'basic_id', idType: 'caa_registration', uaType: 'aeroplane', uasId: 'ZM-UAS-1207' },
      fix(later(100), north(300)),
    ],
  },
]);
const JUMP_A = payload(DRONE_A, later(1000), [fix(later(500), north(2000))]);

describe('Remote ID over MQTT', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let gateway: TestGateway;
  let token: string;
  const acks = new Map<string, Record<string, unknown>>();

  const api = async (path: string) => {
    const res = await fetch(`${oreguard!.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };
  const droneEvents = async (): Promise<any[]> => (await api(`/events?siteId=${SITE}&limit=100`)).items;
  const publish = (body: string, correlation?: string) =>
    gateway.publish(
      body,
      `remoteid/${SENSOR}`,
      correlation
        ? { properties: { responseTopic: gateway.topic('acks'), correlationData: Buffer.from(correlation) } }
        : {},
    );

  beforeAll(async () => {
    ctx = await createTestContext('remote-id');
    oreguard = await startInProcess(ctx.env());
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, GATEWAY);
    gateway.client.on('message', (_topic: string, body: Buffer, packet: IPublishPacket) => {
      const id = packet.properties?.correlationData?.toString();
      if (id) acks.set(id, JSON.parse(body.toString()) as Record<string, unknown>);
    });
    await gateway.client.subscribeAsync(gateway.topic('acks'), { qos: 1 });
    token = await login(oreguard.baseUrl);

    await publish(IDENTITY_A, 'identity-a');
    await publish(FIX_A, 'fix-a');
    await publish(GARBLED, 'garbled');
    await publish(PACK_B, 'pack-b');
    await publish(FIX_A, 'fix-a-again');
    await publish(JUMP_A, 'jump-a');
    await waitFor(() => acks.size === 6, { what: 'a confirmation for each of the 6 payloads' });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await oreguard?.close();
    await ctx?.dispose();
  });

  it('stores one drone event per fix, carrying the identity its transmitter broadcast in an earlier payload', async () => {
    const events = (await droneEvents()).filter((e) => e.remoteId?.transmitter === DRONE_A);
    const first = events.find((e) => e.occurredAt === fixTime(later(-500)).toISOString());
    expect(first).toMatchObject({
      kind: 'drone',
      source: 'remoteid',
      siteId: SITE,
      gatewayId: GATEWAY,
      sensorId: SENSOR,
      late: false,
      drone: {
        detection: 'remote_id',
        uasId: '1581F5FKD232800D2TK8',
        position: { ...PIT, altM: 1450 },
        headingDeg: 120,
        speedMps: 9.5,
        operatorPosition: OPERATOR_SPOT,
        operatorId: 'ZMB-OP-0042',
        trackId: DRONE_A,
      },
      remoteId: {
        transmitter: DRONE_A,
        transport: 'ble',
        rssi: -68,
        status: 'airborne',
        uaType: 'helicopter_or_multirotor',
      },
    });
    expect(first.remoteId).not.toHaveProperty('possibleSpoof');
    expect(acks.get('fix-a')).toEqual({ status: 'stored', eventId: first.eventId });
    expect(acks.get('identity-a')).toEqual({ status: 'stored' });
  });

  it('reads a message pack: the Basic ID in it names the drone of the fix beside it', async () => {
    const [b] = (await droneEvents()).filter((e) => e.remoteId?.transmitter === DRONE_B);
    expect(b.drone).toMatchObject({
      uasId: 'ZM-UAS-1207',
      position: { lat: expect.closeTo(north(300).lat, 6), lon: PIT.lon },
    });
    expect(b.drone).not.toHaveProperty('operatorId');
    expect(acks.get('pack-b')).toEqual({ status: 'stored', eventId: b.eventId });
  });

  it('stores a re-sent payload once and confirms it as a duplicate', async () => {
    const eventId = acks.get('fix-a')!.eventId as string;
    expect(acks.get('fix-a-again')).toEqual({ status: 'duplicate', eventId });
    expect(await ctx.db.query('SELECT id FROM events WHERE event_id = $1', [eventId])).toHaveLength(1);
  });

  it('rejects an undecodable payload with the message and field at fault, and stores the good ones around it', async () => {
    const reason = 'messages[1]: Location latitude 214.7483647 is out of range (-90 to 90)';
    expect(acks.get('garbled')).toEqual({ status: 'rejected', reason });
    const rejected = (await api('/rejected-events')).items;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ topic: gateway.topic(`remoteid/${SENSOR}`), reason, payload: GARBLED });
    // Nothing of the garbled payload was kept: not even its good first message.
    const events = await droneEvents();
    expect(events.map((e) => e.occurredAt).sort()).toEqual(
      [fixTime(later(-500)), fixTime(later(100)), fixTime(later(500))].map((d) => d.toISOString()).sort(),
    );
  });

  it('marks a fix 2 km from the same transmitter’s fix a second earlier as possibly spoofed', async () => {
    const jump = (await droneEvents()).find((e) => e.occurredAt === fixTime(later(500)).toISOString());
    expect(jump.remoteId.possibleSpoof).toMatchObject({
      limitMps: 150,
      previousFix: { ...PIT, at: fixTime(later(-500)).toISOString() },
    });
    expect(jump.remoteId.possibleSpoof.impliedSpeedMps).toBeGreaterThan(1000);
    expect(jump.remoteId.trackSuspectSince).toBe(fixTime(later(500)).toISOString());
    // Still the same drone: identity and the flight go on.
    expect(jump.drone).toMatchObject({ uasId: '1581F5FKD232800D2TK8', operatorId: 'ZMB-OP-0042' });
  });

  it('remembers a transmitter across a restart: identity heard before attaches to a fix heard after', async () => {
    await oreguard!.close();
    oreguard = await startInProcess(ctx.env());
    token = await login(oreguard.baseUrl);
    await publish(payload(DRONE_B, later(1500), [fix(later(1200), north(310))]), 'after-restart');
    await waitFor(() => acks.has('after-restart'), { what: 'the fix after the restart to be confirmed' });
    const event = (await droneEvents()).find((e) => e.eventId === acks.get('after-restart')!.eventId);
    expect(event.drone.uasId).toBe('ZM-UAS-1207');
    expect(event.remoteId).not.toHaveProperty('possibleSpoof');
  });
});
