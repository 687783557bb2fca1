import { createHmac, randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { signMessage } from '../../src/domain/events/event-signature';
import { STATS_RECORD, TROJAN_ALERT_UTC } from '../../src/domain/events/fixtures/suricata-records';
import { encodeRemoteIdHex } from '../../src/domain/remote-id/remote-id-encoder';
import { aDroneEvent, aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { restClient } from '../support/rest-client';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

interface Answer {
  status: 'stored' | 'duplicate' | 'rejected';
  eventId?: string;
  reason?: string;
}

/**
 * A gateway whose site requires signed events (contract §1, "Signed events"): it publishes
 * with MQTT 5, `oreguard-sig: v2 sha256=<hmac>` over the exact topic, a newline and the exact
 * payload, on every event-bearing topic (events, suricata, remoteid), and asks for confirmations.
 */
describe('a gateway that must sign its events', () => {
  const og = oreGuardForFile('signed-events', {
    env: { GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'), EVENT_ALLOWED_LATENESS_MS: '3600000' },
  });
  let client: MqttClient;
  let secret: string;
  const answers = new Map<string, Answer>();
  let topic: string;
  let acks: string;
  const leafTopic = (leaf: string) => topic.replace(/events$/, leaf);

  beforeAll(async () => {
    const call = restClient(og.oreguard.baseUrl);
    const admin = await login(og.oreguard.baseUrl);
    expect(
      (await call(admin, 'POST', '/sites', { id: 'kolwezi-1', name: 'Kolwezi', timeZone: 'Africa/Lubumbashi' })).status,
    ).toBe(201);
    const gateway = await call(admin, 'POST', '/sites/kolwezi-1/gateways', { id: 'gw-signed', requireSigned: true });
    expect(gateway.status).toBe(201);
    secret = gateway.body.secret;

    topic = `${og.ctx.topicPrefix}/sites/kolwezi-1/gateways/gw-signed/events`;
    acks = `${og.ctx.topicPrefix}/sites/kolwezi-1/gateways/gw-signed/acks`;
    client = await mqtt.connectAsync(TEST_SERVICES.mqttUrl, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
    client.on('message', (_topic, payload, packet) => {
      const tag = packet.properties?.correlationData?.toString();
      if (tag) answers.set(tag, JSON.parse(payload.toString()) as Answer);
    });
    await client.subscribeAsync(acks, { qos: 1 });
  });

  afterAll(async () => {
    await client?.endAsync();
  });

  /** Publishes the exact bytes with the given signature (none: unsigned) and waits for OreGuard's answer. */
  async function send(payload: string, signature: string | undefined, to = topic): Promise<Answer> {
    const tag = randomBytes(8).toString('hex');
    await client.publishAsync(to, payload, {
      qos: 1,
      properties: {
        responseTopic: acks,
        correlationData: Buffer.from(tag),
        ...(signature !== undefined && { userProperties: { 'oreguard-sig': signature } }),
      },
    });
    return waitFor(() => answers.get(tag), { what: `OreGuard's answer to ${tag}` });
  }

  const signed = (payload: string, to = topic) => send(payload, signMessage(to, Buffer.from(payload), secret), to);
  const rejectedReasons = async (eventId: string) =>
    (
      await og.ctx.db.query<{ reason: string }>(
        'SELECT reason FROM rejected_events WHERE payload LIKE $1 ORDER BY id',
        [`%${eventId}%`],
      )
    ).map((r) => r.reason);
  const storedCount = async (eventId: string) =>
    (await og.ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).length;

  it('stores a correctly signed event', async () => {
    const event = aDroneEvent();
    expect(await signed(JSON.stringify(event))).toEqual({ status: 'stored', eventId: event.eventId });
    expect(await storedCount(event.eventId)).toBe(1);
  });

  it('rejects an unsigned event, saying so', async () => {
    const event = aDroneEvent();
    expect(await send(JSON.stringify(event), undefined)).toEqual({
      status: 'rejected',
      eventId: event.eventId,
      reason: 'oreguard-sig: missing',
    });
    expect(await storedCount(event.eventId)).toBe(0);
    expect(await rejectedReasons(event.eventId)).toEqual(['oreguard-sig: missing']);
  });

  it('rejects an event signed over other bytes, and one signed with another secret', async () => {
    const event = aTheftEvent();
    const payload = JSON.stringify(event);
    const tampered = `${payload} `; // one byte more: the JSON means the same, the bytes differ
    expect(await send(tampered, signMessage(topic, Buffer.from(payload), secret))).toMatchObject({
      status: 'rejected',
      reason: 'oreguard-sig: does not match the topic and payload',
    });
    expect(
      await send(payload, signMessage(topic, Buffer.from(payload), randomBytes(32).toString('hex'))),
    ).toMatchObject({
      status: 'rejected',
      reason: 'oreguard-sig: does not match the topic and payload',
    });
    expect(await storedCount(event.eventId)).toBe(0);
  });

  it('rejects a signed event whose id was already seen with other content (a replay)', async () => {
    const original = aDroneEvent();
    expect((await signed(JSON.stringify(original))).status).toBe('stored');

    const replay = { ...original, severity: 'critical', zone: 'north-fence' };
    expect(await signed(JSON.stringify(replay))).toEqual({
      status: 'rejected',
      eventId: original.eventId,
      reason: 'eventId: already seen (replay)',
    });
    const [row] = await og.ctx.db.query<{ severity: string }>('SELECT severity FROM events WHERE event_id = $1', [
      original.eventId,
    ]);
    expect(row.severity).toBe(original.severity);
    expect(await rejectedReasons(original.eventId)).toEqual(['eventId: already seen (replay)']);
  });

  it('refuses the older payload-only signature (sha256=<hmac of the payload>), saying so', async () => {
    const event = aDroneEvent();
    const payload = JSON.stringify(event);
    const payloadOnly = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    expect(await send(payload, payloadOnly)).toMatchObject({
      status: 'rejected',
      eventId: event.eventId,
      reason: expect.stringMatching(
        /^oreguard-sig: the payload-only form \(sha256=<hex>\) is refused; sign .* "v2 sha256=<hex>"$/,
      ),
    });
    expect(await storedCount(event.eventId)).toBe(0);
  });

  it('answers duplicate to the same signed bytes sent again (at least once: a redelivery loses nothing)', async () => {
    const event = aDroneEvent();
    const payload = JSON.stringify(event);
    expect((await signed(payload)).status).toBe('stored');
    expect(await signed(payload)).toEqual({ status: 'duplicate', eventId: event.eventId });
    expect(await storedCount(event.eventId)).toBe(1);
    expect(await rejectedReasons(event.eventId)).toEqual([]);
  });

  it('rejects a signed event older than the allowed lateness (a replay)', async () => {
    const event = aDroneEvent({ occurredAt: new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect(await signed(JSON.stringify(event))).toEqual({
      status: 'rejected',
      eventId: event.eventId,
      reason: 'occurredAt: older than the allowed lateness (replay)',
    });
    expect(await storedCount(event.eventId)).toBe(0);
  });

  it('still checks content after the signature: a signed event with a bad field is rejected for that field', async () => {
    const event = aDroneEvent({ kind: 'laser' });
    expect(await signed(JSON.stringify(event))).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^kind: /),
    });
  });

  describe('Suricata records', () => {
    /** A Suricata alert as the IDS writes it, seen just now (an old one would be a replay). */
    const freshAlert = (flowId: number) =>
      TROJAN_ALERT_UTC.replace(
        /"timestamp":"[^"]+"/,
        `"timestamp":"${new Date(Date.now() - 1000).toISOString().replace('Z', '000+0000')}"`,
      ).replace(/"flow_id":\d+/, `"flow_id":${flowId}`);

    it('rejects an unsigned alert, and an unsigned record that is not an alert, saying so', async () => {
      expect(await send(freshAlert(1001), undefined, leafTopic('suricata/ids-s1'))).toMatchObject({
        status: 'rejected',
        reason: 'oreguard-sig: missing',
      });
      // Not an alert: dropped when signed, so never confirmed; kept as rejected when unsigned.
      await client.publishAsync(leafTopic('suricata/ids-s1'), STATS_RECORD, { qos: 1 });
      expect(
        await waitFor(
          async () => {
            const rows = await og.ctx.db.query<{ reason: string }>(
              'SELECT reason FROM rejected_events WHERE payload = $1',
              [STATS_RECORD],
            );
            return rows.length > 0 ? rows : undefined;
          },
          { what: 'the unsigned Suricata stats record to be rejected' },
        ),
      ).toEqual([{ reason: 'oreguard-sig: missing' }]);
      expect(await og.ctx.db.query("SELECT 1 FROM events WHERE source = 'suricata'")).toEqual([]);
    });

    it('stores a signed alert once; its signed bytes sent again on the same topic are a duplicate, under another sensor refused', async () => {
      const alert = freshAlert(1002);
      const s1 = leafTopic('suricata/ids-s1');
      const signature = signMessage(s1, Buffer.from(alert), secret);
      const stored = await send(alert, signature, s1);
      expect(stored.status).toBe('stored');
      expect(await send(alert, signature, s1)).toEqual({ status: 'duplicate', eventId: stored.eventId });

      // The same signed bytes replayed under another sensor of the gateway (its event id would differ).
      expect(await send(alert, signature, leafTopic('suricata/ids-s2'))).toMatchObject({
        status: 'rejected',
        reason: 'oreguard-sig: does not match the topic and payload',
      });
      expect(
        await og.ctx.db.query<{ sensor_id: string }>(
          "SELECT sensor_id FROM events WHERE source = 'suricata' AND raw_payload = $1",
          [alert],
        ),
      ).toEqual([{ sensor_id: 'ids-s1' }]);
    });

    it('rejects a signed alert older than the allowed lateness (a replay)', async () => {
      expect(await signed(TROJAN_ALERT_UTC, leafTopic('suricata/ids-s1'))).toMatchObject({
        status: 'rejected',
        reason: 'occurredAt: older than the allowed lateness (replay)',
      });
    });
  });

  describe('Remote ID reports', () => {
    const tenths = (at: Date) =>
      (at.getUTCMinutes() * 60 + at.getUTCSeconds()) * 10 + Math.floor(at.getUTCMilliseconds() / 100);
    /** One receiver's payload: a Location heard at `at` (and so fixed then), from `transmitter`. */
    const report = (transmitter: string, at: Date) =>
      JSON.stringify({
        receivedAt: at.toISOString(),
        transmitter,
        transport: 'ble',
        messages: [
          encodeRemoteIdHex({
            type: 'location',
            status: 'airborne',
            position: { lat: -10.7148, lon: 25.4663 },
            geodeticAltitudeM: 1450,
            tenthsAfterHour: tenths(at),
          }),
        ],
      });
    const storedFrom = async (payload: string) =>
      (await og.ctx.db.query('SELECT 1 FROM events WHERE raw_payload = $1', [payload])).length;

    it('rejects an unsigned report and a forged one, storing no drone event', async () => {
      const unsigned = report('60:60:1f:aa:bb:01', new Date());
      expect(await send(unsigned, undefined, leafTopic('remoteid/rid-rx-1'))).toMatchObject({
        status: 'rejected',
        reason: 'oreguard-sig: missing',
      });

      const forged = report('60:60:1f:aa:bb:02', new Date());
      const forgedSignature = signMessage(
        leafTopic('remoteid/rid-rx-1'),
        Buffer.from(forged),
        randomBytes(32).toString('hex'),
      );
      expect(await send(forged, forgedSignature, leafTopic('remoteid/rid-rx-1'))).toMatchObject({
        status: 'rejected',
        reason: 'oreguard-sig: does not match the topic and payload',
      });
      expect(await storedFrom(unsigned)).toBe(0);
      expect(await storedFrom(forged)).toBe(0);
      expect(await og.ctx.db.query('SELECT 1 FROM remote_id_transmitters')).toEqual([]);
    });

    it('stores a signed report; the same signed bytes again are a duplicate; under another receiver refused', async () => {
      const body = report('60:60:1f:aa:bb:03', new Date());
      const rx1 = leafTopic('remoteid/rid-rx-1');
      const signature = signMessage(rx1, Buffer.from(body), secret);
      const stored = await send(body, signature, rx1);
      expect(stored).toMatchObject({ status: 'stored', eventId: expect.any(String) });
      expect(await send(body, signature, rx1)).toEqual({ status: 'duplicate', eventId: stored.eventId });
      expect(await send(body, signature, leafTopic('remoteid/rid-rx-2'))).toMatchObject({
        status: 'rejected',
        reason: 'oreguard-sig: does not match the topic and payload',
      });
      expect(await storedFrom(body)).toBe(1);
    });

    it('rejects a signed report whose fix is older than the allowed lateness (a replay)', async () => {
      const body = report('60:60:1f:aa:bb:04', new Date(Date.now() - 2 * 3600_000));
      expect(await signed(body, leafTopic('remoteid/rid-rx-1'))).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/^messages\[0\]: Location time \S+ older than the allowed lateness \(replay\)$/),
      });
      expect(await storedFrom(body)).toBe(0);
    });
  });
});
