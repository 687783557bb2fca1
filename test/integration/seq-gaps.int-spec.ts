import { randomUUID } from 'node:crypto';
import { RegistryCache, storeBatch, type StoreOutcome, type StoreRequest } from '../../src/ingestion/ingest-store';
import type { SiteEvent } from '../../src/domain/events/site-event';
import { createTestContext, type TestContext } from '../support/test-context';

/** Gaps in a gateway's seq as the ingest store records them, within a batch and across batches. */
describe('gateway seq gaps', () => {
  let ctx: TestContext;
  const registry = new RegistryCache();
  const SITE = 'kolwezi-1';

  beforeAll(async () => {
    ctx = await createTestContext('seq-gaps');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  function event(gatewayId: string, seq: number, eventId = randomUUID()): StoreRequest {
    const e: SiteEvent = {
      siteId: SITE,
      gatewayId,
      eventId,
      sensorId: 'fence-1',
      kind: 'theft',
      occurredAt: new Date(),
      source: 'canonical',
      seq,
      theft: { category: 'perimeter_breach' },
    } as SiteEvent;
    return { type: 'event', event: e, topic: `t/sites/${SITE}/gateways/${gatewayId}/events`, raw: JSON.stringify({ eventId, seq }), receivedAt: new Date(), late: false };
  }

  const store = (requests: StoreRequest[], inline = false) =>
    ctx.db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(tx, requests, registry, undefined, inline ? { foldedAt: new Date(), lockKeys: [] } : undefined);
      registry.commit();
      return outcomes;
    });

  const gapOf = (o: StoreOutcome) => (o.type === 'stored' ? (o.gap ? [o.gap.fromSeq, o.gap.toSeq] : null) : o.type);
  const recorded = async (gatewayId: string) =>
    (await ctx.db.query<{ from_seq: string; to_seq: string }>(
      'SELECT from_seq, to_seq FROM gateway_seq_gaps WHERE site_id = $1 AND gateway_id = $2 ORDER BY from_seq',
      [SITE, gatewayId],
    )).map((r) => [Number(r.from_seq), Number(r.to_seq)]);
  const lastSeq = async (gatewayId: string) =>
    Number((await ctx.db.query<{ last_seq: string }>('SELECT last_seq FROM gateways WHERE site_id = $1 AND id = $2', [SITE, gatewayId]))[0].last_seq);

  it.each([false, true])('in arrival order within a batch, then across batches (folded inline: %s)', async (inline) => {
    const gw = `gw-${inline ? 'inline' : 'plain'}`;
    const other = `${gw}-b`;
    // A gateway's first seq is no gap; 5 after 2 is one (3..4); the late 3 is not another.
    const first = [event(gw, 1), event(gw, 2), event(gw, 5), event(gw, 3), event(other, 10)];
    expect((await store(first, inline)).map(gapOf)).toEqual([null, null, [3, 4], null, null]);
    expect(await recorded(gw)).toEqual([[3, 4]]);
    expect(await lastSeq(gw)).toBe(5);

    // The next batch goes on from the highest seq seen (5): 9 leaves out 6..8. A redelivered
    // event is a duplicate and no gap; the other gateway goes on from 10.
    const again = first[2];
    expect((await store([again, event(gw, 9), event(other, 11)], inline)).map(gapOf)).toEqual(['duplicate', [6, 8], null]);
    expect(await recorded(gw)).toEqual([[3, 4], [6, 8]]);
    expect(await recorded(other)).toEqual([]);
    expect(await lastSeq(gw)).toBe(9);
    expect(await lastSeq(other)).toBe(11);
  });
});
