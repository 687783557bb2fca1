import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Db } from '../../src/database/db';
import type { SiteEvent } from '../../src/domain/events/site-event';
import { RegistryCache, storeBatch, type StoreOutcome, type StoreRequest } from '../../src/ingestion/ingest-store';
import { createTestContext, type TestContext } from '../support/test-context';

const SITE = 'kolwezi-1';
const GATEWAY = 'gw-1';
const DAY_MS = 86_400_000;

/**
 * Each event (site, gateway, event id) is stored once by the ingest's one statement, which claims
 * the batch's keys in event_keys first and stores only the events whose key it got: a resend of
 * an event stored days ago (in an older partition), the same event twice in one batch, and the
 * same event in two batches committed at once.
 */
describe('events stored once by the ingest', () => {
  let ctx: TestContext;
  let other: Db;
  const registry = new RegistryCache();

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ctx = await createTestContext('events-once');
    other = new Db(ctx.databaseUrl, 1);
    await ctx.db.query(
      `SELECT oreguard_ensure_partitions('events', 'day', now() - interval '5 days', now() + interval '1 day')`,
    );
  });

  afterAll(async () => {
    await other?.close();
    await ctx?.dispose();
  });

  function request(eventId: string, receivedAt: Date, raw = JSON.stringify({ eventId })): StoreRequest {
    const event = {
      siteId: SITE,
      gatewayId: GATEWAY,
      eventId,
      sensorId: 'fence-1',
      kind: 'theft',
      occurredAt: receivedAt,
      source: 'canonical',
      theft: { category: 'perimeter_breach' },
    } as SiteEvent;
    return { type: 'event', event, topic: `t/sites/${SITE}/gateways/${GATEWAY}/events`, raw, receivedAt, late: false };
  }

  const store = (db: Db, requests: StoreRequest[], inline = false) =>
    db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(
        tx,
        requests,
        registry,
        undefined,
        inline ? { foldedAt: new Date(), lockKeys: [] } : undefined,
      );
      registry.commit();
      return outcomes;
    });

  const storedAs = (eventId: string) =>
    ctx.db.query<{ id: string; part: string; raw_payload: string; key_id: string }>(
      `SELECT e.id, e.tableoid::regclass::text AS part, e.raw_payload, k.id AS key_id
         FROM events e LEFT JOIN event_keys k ON k.site_id = e.site_id AND k.gateway_id = e.gateway_id AND k.event_id = e.event_id
        WHERE e.site_id = $1 AND e.gateway_id = $2 AND e.event_id = $3`,
      [SITE, GATEWAY, eventId],
    );

  it('stores a resend of an event kept in an older partition, and a key twice in one batch, once', async () => {
    const old = randomUUID();
    const threeDaysAgo = new Date(Date.now() - 3 * DAY_MS);
    const [first] = await store(ctx.db, [request(old, threeDaysAgo)]);
    expect(first).toMatchObject({ type: 'stored' });
    const [original] = await storedAs(old);
    const oldPartition = original.part;
    expect(oldPartition).toMatch(/^events_p\d{8}$/);

    for (const inline of [false, true]) {
      const twice = randomUUID();
      const fresh = randomUUID();
      const now = new Date();
      const outcomes: StoreOutcome[] = await store(
        ctx.db,
        [request(old, now), request(twice, now, 'first copy'), request(fresh, now), request(twice, now, 'second copy')],
        inline,
      );
      expect(outcomes.map((o) => o.type)).toEqual(['duplicate', 'stored', 'stored', 'duplicate']);

      const resent = await storedAs(old);
      expect(resent).toEqual([{ ...original, part: oldPartition }]);
      expect(resent[0].part).not.toBe((await storedAs(fresh))[0].part);
      const [stored, ...more] = await storedAs(twice);
      expect(more).toEqual([]);
      expect(stored.raw_payload).toBe('first copy');
      // The key names the event stored, so retention and replay checks find it.
      expect(stored.key_id).toBe(stored.id);
      expect(outcomes[1]).toEqual({ type: 'stored', id: Number(stored.id) });
    }
  });

  it('stores the same event once when two batches carrying it commit at once', async () => {
    const eventId = randomUUID();
    const now = new Date();
    const outcomes = await Promise.all([
      store(ctx.db, [request(eventId, now), request(randomUUID(), now)]),
      store(other, [request(randomUUID(), now), request(eventId, now)]),
    ]);
    expect([outcomes[0][0].type, outcomes[1][1].type].sort()).toEqual(['duplicate', 'stored']);
    expect(await storedAs(eventId)).toHaveLength(1);
  });

  it('leaves no event without its key', async () => {
    const [{ n }] = await ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM event_keys k WHERE k.site_id = e.site_id AND k.gateway_id = e.gateway_id
                                                     AND k.event_id = e.event_id AND k.id = e.id)`,
    );
    expect(Number(n)).toBe(0);
  });
});
