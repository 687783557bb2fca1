import { RegistryCache, storeBatch, type StoreRequest } from '../../src/ingestion/ingest-store';
import type { SiteEvent } from '../../src/domain/events/site-event';
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

  function request(raw: Record<string, unknown>, { signed = true, late = false, bytes }: { signed?: boolean; late?: boolean; bytes?: string } = {}): StoreRequest {
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
    return { type: 'event', event, topic: 't/sites/kolwezi-1/gateways/gw-1/events', raw: bytes ?? JSON.stringify(raw), receivedAt: new Date(), late, signed };
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
    expect(outcomes[2]).toEqual({ type: 'rejected', reason: 'eventId: already seen (replay)' });
    expect(await ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [event.eventId])).toHaveLength(1);
  });

  it('across batches: a stored event sent again is a duplicate even once late; with other bytes a replay', async () => {
    const event = aDroneEvent();
    expect((await store([request(event)]))[0].type).toBe('stored');

    expect(await store([request(event, { late: true })])).toEqual([{ type: 'duplicate' }]);
    expect(await store([request(event, { bytes: `${JSON.stringify(event)} ` })])).toEqual([
      { type: 'rejected', reason: 'eventId: already seen (replay)' },
    ]);
  });

  it('rejects a new signed event that is late, but stores a late unsigned one (flagged late)', async () => {
    const signed = aDroneEvent();
    const unsigned = aDroneEvent();
    const outcomes = await store([request(signed, { late: true }), request(unsigned, { late: true, signed: false })]);

    expect(outcomes[0]).toEqual({ type: 'rejected', reason: 'occurredAt: older than the allowed lateness (replay)' });
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
    expect(await store([request({ ...event, severity: 'critical' }, { signed: false })])).toEqual([{ type: 'duplicate' }]);
  });
});
