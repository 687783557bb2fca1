import { RegistryCache, storeBatch, type StoreRequest } from '../../src/ingestion/ingest-store';
import type { SiteEvent } from '../../src/domain/events/site-event';
import { encodeRemoteIdHex } from '../../src/domain/remote-id/remote-id-encoder';
import { readRemoteIdReport } from '../../src/domain/remote-id/remote-id-report';
import { aDroneEvent } from '../factories/events';
import { createTestContext, type TestContext } from '../support/test-context';

/** The replay rules of signed events as the ingest store applies them, within and across batches. */
describe('storing signed events', () => {
  let ctx: TestContext;
  const registry = new RegistryCache();

  beforeAll(async () => {
    ctx = await createTestContext('signed-replay');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  function request(
    raw: Record<string, unknown>,
    {
      signed = true,
      late = false,
      bytes,
      topic = 't/sites/kolwezi-1/gateways/gw-1/events',
    }: { signed?: boolean; late?: boolean; bytes?: string; topic?: string } = {},
  ): StoreRequest {
    const event: SiteEvent = {
      siteId: 'kolwezi-1',
      gatewayId: 'gw-1',
      eventId: raw.eventId as string,
      sensorId: 'rf-mast-2',
      kind: 'drone',
      occurredAt: new Date(raw.occurredAt as string),
      source: 'canonical',
      drone: raw.drone as SiteEvent['drone'],
    };
    return { type: 'event', event, topic, raw: bytes ?? JSON.stringify(raw), receivedAt: new Date(), late, signed };
  }

  const store = (requests: StoreRequest[]) =>
    ctx.db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(tx, requests, registry);
      registry.commit();
      return outcomes;
    });

  it('in one batch: the same bytes twice are one event and a duplicate; other bytes under the id are a replay', async () => {
    const event = aDroneEvent();
    const outcomes = await store([request(event), request(event), request({ ...event, severity: 'critical' })]);

    expect(outcomes.map((o) => o.type)).toEqual(['stored', 'duplicate', 'rejected']);
    expect(outcomes[2]).toEqual({ type: 'rejected', reason: 'eventId: already seen (replay)', kind: 'replay' });
    expect(await ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [event.eventId])).toHaveLength(1);
  });

  it('across batches: a stored event sent again is a duplicate even once late; with other bytes a replay', async () => {
    const event = aDroneEvent();
    expect((await store([request(event)]))[0].type).toBe('stored');

    expect(await store([request(event, { late: true })])).toEqual([{ type: 'duplicate' }]);
    expect(await store([request(event, { bytes: `${JSON.stringify(event)} ` })])).toEqual([
      { type: 'rejected', reason: 'eventId: already seen (replay)', kind: 'replay' },
    ]);
  });

  it('rejects a new signed event that is late, but stores a late unsigned one (flagged late)', async () => {
    const signed = aDroneEvent();
    const unsigned = aDroneEvent();
    const outcomes = await store([request(signed, { late: true }), request(unsigned, { late: true, signed: false })]);

    expect(outcomes[0]).toEqual({
      type: 'rejected',
      reason: 'occurredAt: older than the allowed lateness (replay)',
      kind: 'replay',
    });
    expect(outcomes[1].type).toBe('stored');
    const rejected = await ctx.db.query<{ reason: string; gateway_id: string }>(
      'SELECT reason, gateway_id FROM rejected_events WHERE payload LIKE $1',
      [`%${signed.eventId}%`],
    );
    expect(rejected).toEqual([{ reason: 'occurredAt: older than the allowed lateness (replay)', gateway_id: 'gw-1' }]);
  });

  it('leaves unsigned events to the identity key alone: other bytes under a stored id are a plain duplicate', async () => {
    const event = aDroneEvent();
    await store([request(event, { signed: false })]);
    expect(await store([request({ ...event, severity: 'critical' }, { signed: false })])).toEqual([
      { type: 'duplicate' },
    ]);
  });

  it('takes the same bytes from another topic as a replay, in one batch and across batches', async () => {
    const event = aDroneEvent();
    const elsewhere = 't/sites/kolwezi-1/gateways/gw-1/suricata/ids-s2';
    expect(await store([request(event), request(event, { topic: elsewhere })])).toEqual([
      expect.objectContaining({ type: 'stored' }),
      { type: 'rejected', reason: 'eventId: already seen (replay)', kind: 'replay' },
    ]);
    expect(await store([request(event, { topic: elsewhere })])).toEqual([
      { type: 'rejected', reason: 'eventId: already seen (replay)', kind: 'replay' },
    ]);
  });

  describe('Remote ID payloads', () => {
    const LATENESS_MS = 3600_000;
    const tenths = (at: Date) =>
      (at.getUTCMinutes() * 60 + at.getUTCSeconds()) * 10 + Math.floor(at.getUTCMilliseconds() / 100);

    /** A receiver's payload heard at `heardAt`: a Location fixed then, or (`fix: false`) only a Basic ID. */
    function remoteId(
      transmitter: string,
      heardAt: Date,
      { signed = true, fix = true, sensorId = 'rid-rx-1' } = {},
    ): StoreRequest {
      const body = {
        receivedAt: heardAt.toISOString(),
        transmitter,
        transport: 'ble',
        messages: [
          encodeRemoteIdHex(
            fix
              ? {
                  type: 'location',
                  status: 'airborne',
                  position: { lat: -10.7148, lon: 25.4663 },
                  tenthsAfterHour: tenths(heardAt),
                }
              : { type: 'basic_id', idType: 'serial_number', uasId: 'SN-REPLAYED-1' },
          ),
        ],
      };
      const read = readRemoteIdReport({ siteId: 'kolwezi-1', gatewayId: 'gw-1', sensorId }, body);
      if (!read.ok) throw new Error(read.reason);
      return {
        type: 'remoteid',
        report: read.report,
        topic: `t/sites/kolwezi-1/gateways/gw-1/remoteid/${sensorId}`,
        raw: JSON.stringify(body),
        receivedAt: new Date(),
        assembly: { memoryTtlMs: 30 * 60_000, maxSpeedMps: 150, allowedLatenessMs: LATENESS_MS },
        signed,
      };
    }
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

    it('rejects a signed payload whose new fix is older than the allowed lateness, naming the message; stores it unsigned', async () => {
      const outcomes = await store([
        remoteId('aa:00:00:00:01:01', hoursAgo(2)),
        remoteId('aa:00:00:00:01:02', hoursAgo(2), { signed: false }),
      ]);

      expect(outcomes[0]).toEqual({
        type: 'rejected',
        reason: expect.stringMatching(/^messages\[0\]: Location time \S+ older than the allowed lateness \(replay\)$/),
        kind: 'replay',
      });
      expect(outcomes[1]).toMatchObject({ type: 'remoteid', storedIds: [expect.any(Number)] });
      const rejected = await ctx.db.query<{ topic: string; gateway_id: string }>(
        `SELECT topic, gateway_id FROM rejected_events WHERE payload LIKE '%aa:00:00:00:01:01%'`,
      );
      expect(rejected).toEqual([{ topic: 't/sites/kolwezi-1/gateways/gw-1/remoteid/rid-rx-1', gateway_id: 'gw-1' }]);
      // Refused before the transmitter's memory: nothing of it is remembered.
      expect(
        await ctx.db.query(`SELECT 1 FROM remote_id_transmitters WHERE transmitter = 'aa:00:00:00:01:01'`),
      ).toEqual([]);
    });

    it('rejects a signed payload without a fix received longer ago than the allowed lateness', async () => {
      expect(await store([remoteId('aa:00:00:00:02:01', hoursAgo(2), { fix: false })])).toEqual([
        { type: 'rejected', reason: 'receivedAt: older than the allowed lateness (replay)', kind: 'replay' },
      ]);
      expect(await store([remoteId('aa:00:00:00:02:02', new Date(), { fix: false })])).toEqual([
        { type: 'remoteid', eventIds: [], storedIds: [], possibleSpoofs: [] },
      ]);
    });

    it('takes a stored fix heard again, late, by the same or another receiver of the gateway, as a duplicate', async () => {
      const heardAt = hoursAgo(0.5);
      const first = await store([remoteId('aa:00:00:00:03:01', heardAt)]);
      expect(first[0]).toMatchObject({ type: 'remoteid', storedIds: [expect.any(Number)] });
      const eventIds = (first[0] as { eventIds: string[] }).eventIds;

      // Later, the same fix arrives again past the allowed lateness: known, so not a replay.
      const again = {
        ...remoteId('aa:00:00:00:03:01', heardAt),
        receivedAt: new Date(Date.now() + LATENESS_MS),
      } as StoreRequest;
      const otherReceiver = {
        ...remoteId('aa:00:00:00:03:01', heardAt, { sensorId: 'rid-rx-2' }),
        receivedAt: new Date(Date.now() + LATENESS_MS),
      } as StoreRequest;
      expect(await store([again, otherReceiver])).toEqual([
        { type: 'remoteid', eventIds, storedIds: [], possibleSpoofs: [] },
        { type: 'remoteid', eventIds, storedIds: [], possibleSpoofs: [] },
      ]);
    });
  });
});
