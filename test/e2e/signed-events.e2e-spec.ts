import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { signPayload } from '../../src/domain/events/event-signature';
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
 * with MQTT 5, `oreguard-sig: sha256=<hmac>` over the exact payload, and asks for confirmations.
 */
describe('a gateway that must sign its events', () => {
  const og = oreGuardForFile('signed-events', { env: { GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'), EVENT_ALLOWED_LATENESS_MS: '3600000' } });
  let client: MqttClient;
  let secret: string;
  const answers = new Map<string, Answer>();
  let topic: string;
  let acks: string;

  beforeAll(async () => {
    const call = restClient(og.oreguard.baseUrl);
    const admin = await login(og.oreguard.baseUrl);
    expect((await call(admin, 'POST', '/sites', { id: 'kolwezi-1', name: 'Kolwezi', timeZone: 'Africa/Lubumbashi' })).status).toBe(201);
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
  async function send(payload: string, signature: string | undefined): Promise<Answer> {
    const tag = randomBytes(8).toString('hex');
    await client.publishAsync(topic, payload, {
      qos: 1,
      properties: {
        responseTopic: acks,
        correlationData: Buffer.from(tag),
        ...(signature !== undefined && { userProperties: { 'oreguard-sig': signature } }),
      },
    });
    return waitFor(() => answers.get(tag), { what: `OreGuard's answer to ${tag}` });
  }

  const signed = (payload: string) => send(payload, signPayload(Buffer.from(payload), secret));
  const rejectedReasons = async (eventId: string) =>
    (await og.ctx.db.query<{ reason: string }>('SELECT reason FROM rejected_events WHERE payload LIKE $1 ORDER BY id', [`%${eventId}%`])).map(
      (r) => r.reason,
    );
  const storedCount = async (eventId: string) =>
    (await og.ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).length;

  it('stores a correctly signed event', async () => {
    const event = aDroneEvent();
    expect(await signed(JSON.stringify(event))).toEqual({ status: 'stored', eventId: event.eventId });
    expect(await storedCount(event.eventId)).toBe(1);
  });

  it('rejects an unsigned event, saying so', async () => {
    const event = aDroneEvent();
    expect(await send(JSON.stringify(event), undefined)).toEqual({ status: 'rejected', eventId: event.eventId, reason: 'oreguard-sig: missing' });
    expect(await storedCount(event.eventId)).toBe(0);
    expect(await rejectedReasons(event.eventId)).toEqual(['oreguard-sig: missing']);
  });

  it('rejects an event signed over other bytes, and one signed with another secret', async () => {
    const event = aTheftEvent();
    const payload = JSON.stringify(event);
    const tampered = `${payload} `; // one byte more: the JSON means the same, the bytes differ
    expect(await send(tampered, signPayload(Buffer.from(payload), secret))).toMatchObject({
      status: 'rejected',
      reason: 'oreguard-sig: does not match the payload',
    });
    expect(await send(payload, signPayload(Buffer.from(payload), randomBytes(32).toString('hex')))).toMatchObject({
      status: 'rejected',
      reason: 'oreguard-sig: does not match the payload',
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
    const [row] = await og.ctx.db.query<{ severity: string }>('SELECT severity FROM events WHERE event_id = $1', [original.eventId]);
    expect(row.severity).toBe(original.severity);
    expect(await rejectedReasons(original.eventId)).toEqual(['eventId: already seen (replay)']);
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
    expect(await signed(JSON.stringify(event))).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^kind: /) });
  });
});
