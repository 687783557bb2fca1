import { randomBytes } from 'node:crypto';
import type { SiteEvent } from '../../src/domain/events/site-event';
import { encodeRemoteIdHex } from '../../src/domain/remote-id/remote-id-encoder';
import { readRemoteIdReport } from '../../src/domain/remote-id/remote-id-report';
import { RegistryCache, storeBatch, type StoreOutcome, type StoreRequest } from '../../src/ingestion/ingest-store';
import { aDroneEvent } from '../factories/events';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * INGEST_REQUIRE_REGISTERED as the ingest store applies it: what a site no admin registered,
 * or a gateway never issued a secret, sends is kept as rejected, naming what is unregistered,
 * and registers nothing; once registered, the same source is accepted.
 */
describe('storing what unregistered sites and gateways send', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('unregistered-sources');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  const topicOf = (siteId: string, gatewayId: string, leaf: string) =>
    `t/sites/${siteId}/gateways/${gatewayId}/${leaf}`;

  function eventFrom(siteId: string, gatewayId: string, source: SiteEvent['source'] = 'canonical'): StoreRequest {
    const raw = aDroneEvent();
    const event: SiteEvent = {
      siteId,
      gatewayId,
      eventId: raw.eventId,
      sensorId: 'rf-mast-2',
      kind: 'drone',
      occurredAt: new Date(raw.occurredAt),
      source,
      drone: raw.drone as SiteEvent['drone'],
    };
    return {
      type: 'event',
      event,
      topic: topicOf(siteId, gatewayId, 'events'),
      raw: JSON.stringify(raw),
      receivedAt: new Date(),
      late: false,
    };
  }

  function statusFrom(siteId: string, gatewayId: string): StoreRequest {
    const status = { state: 'online' as const, at: new Date() };
    return {
      type: 'status',
      topic: topicOf(siteId, gatewayId, 'status'),
      siteId,
      gatewayId,
      status,
      receivedAt: new Date(),
      raw: JSON.stringify(status),
    };
  }

  function remoteIdFrom(siteId: string, gatewayId: string): StoreRequest {
    const now = new Date();
    const body = {
      receivedAt: now.toISOString(),
      transmitter: `aa:00:00:00:00:${randomBytes(1).toString('hex')}`,
      transport: 'ble',
      messages: [
        encodeRemoteIdHex({
          type: 'location',
          status: 'airborne',
          position: { lat: -10.7148, lon: 25.4663 },
          tenthsAfterHour: (now.getUTCMinutes() * 60 + now.getUTCSeconds()) * 10,
        }),
      ],
    };
    const read = readRemoteIdReport({ siteId, gatewayId, sensorId: 'rid-rx-1' }, body);
    if (!read.ok) throw new Error(read.reason);
    return {
      type: 'remoteid',
      report: read.report,
      topic: topicOf(siteId, gatewayId, 'remoteid/rid-rx-1'),
      raw: JSON.stringify(body),
      receivedAt: now,
      assembly: { memoryTtlMs: 60_000, maxSpeedMps: 150, allowedLatenessMs: 3600_000 },
    };
  }

  const store = (registry: RegistryCache, requests: StoreRequest[]): Promise<StoreOutcome[]> =>
    ctx.db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(tx, requests, registry);
      registry.commit();
      return outcomes;
    });

  const registerSite = (id: string) =>
    ctx.db.query(`INSERT INTO sites (id, name, registered_at) VALUES ($1, $1, now())`, [id]);
  const registerGateway = (siteId: string, id: string) =>
    ctx.db.query(`INSERT INTO gateways (site_id, id, secret_issued_at) VALUES ($1, $2, now())`, [siteId, id]);

  it('rejects events, Suricata alerts, Remote ID reports and statuses from a site nobody registered, and creates nothing', async () => {
    const registry = new RegistryCache({ requireRegistered: true });
    const outcomes = await store(registry, [
      eventFrom('ghost-1', 'gw-1'),
      eventFrom('ghost-1', 'gw-1', 'suricata'),
      remoteIdFrom('ghost-1', 'gw-1'),
      statusFrom('ghost-1', 'gw-2'),
    ]);

    const siteReason = 'site: ghost-1 is not registered (INGEST_REQUIRE_REGISTERED)';
    expect(outcomes).toEqual([
      { type: 'rejected', reason: siteReason, kind: 'unregistered' },
      { type: 'rejected', reason: siteReason, kind: 'unregistered' },
      { type: 'rejected', reason: siteReason, kind: 'unregistered' },
      { type: 'rejected', reason: siteReason, kind: 'unregistered' },
    ]);
    const kept = await ctx.db.query<{ topic: string; site_id: string; gateway_id: string; reason: string }>(
      `SELECT topic, site_id, gateway_id, reason FROM rejected_events WHERE site_id = 'ghost-1' ORDER BY id`,
    );
    expect(kept.map((r) => r.topic)).toEqual([
      topicOf('ghost-1', 'gw-1', 'events'),
      topicOf('ghost-1', 'gw-1', 'events'),
      topicOf('ghost-1', 'gw-1', 'remoteid/rid-rx-1'),
      topicOf('ghost-1', 'gw-2', 'status'),
    ]);
    expect(kept.every((r) => r.reason === siteReason)).toBe(true);
    expect(await ctx.db.query(`SELECT 1 FROM sites WHERE id = 'ghost-1'`)).toEqual([]);
    expect(await ctx.db.query(`SELECT 1 FROM gateways WHERE site_id = 'ghost-1'`)).toEqual([]);
    expect(await ctx.db.query(`SELECT 1 FROM events WHERE site_id = 'ghost-1'`)).toEqual([]);
  });

  it('names the gateway when the site is registered but the gateway is not; accepts it once registered', async () => {
    const registry = new RegistryCache({ requireRegistered: true });
    await registerSite('kolwezi-1');
    expect(await store(registry, [eventFrom('kolwezi-1', 'gw-rogue'), statusFrom('kolwezi-1', 'gw-rogue')])).toEqual([
      {
        type: 'rejected',
        reason: 'gateway: gw-rogue is not registered at site kolwezi-1 (INGEST_REQUIRE_REGISTERED)',
        kind: 'unregistered',
      },
      {
        type: 'rejected',
        reason: 'gateway: gw-rogue is not registered at site kolwezi-1 (INGEST_REQUIRE_REGISTERED)',
        kind: 'unregistered',
      },
    ]);
    expect(await ctx.db.query(`SELECT 1 FROM gateways WHERE id = 'gw-rogue'`)).toEqual([]);

    // Registered after the refusal (by an admin, on any instance): the next message is accepted.
    await registerGateway('kolwezi-1', 'gw-rogue');
    const [stored, remote, status] = await store(registry, [
      eventFrom('kolwezi-1', 'gw-rogue'),
      remoteIdFrom('kolwezi-1', 'gw-rogue'),
      statusFrom('kolwezi-1', 'gw-rogue'),
    ]);
    expect(stored.type).toBe('stored');
    expect(remote).toMatchObject({ type: 'remoteid', storedIds: [expect.any(Number)] });
    expect(status.type).toBe('status');
    // A new sensor of a registered gateway still registers itself.
    expect(
      await ctx.db.query(`SELECT id FROM sensors WHERE site_id = 'kolwezi-1' AND gateway_id = 'gw-rogue' ORDER BY id`),
    ).toEqual([{ id: 'rf-mast-2' }, { id: 'rid-rx-1' }]);
  });

  it('takes a site or gateway that only MQTT traffic created (never registered by an admin) as unregistered', async () => {
    // Created on the fly while registration was not required.
    expect((await store(new RegistryCache(), [eventFrom('tarkwa-2', 'gw-1')]))[0].type).toBe('stored');
    expect(await ctx.db.query(`SELECT registered_at FROM sites WHERE id = 'tarkwa-2'`)).toEqual([
      { registered_at: null },
    ]);

    const registry = new RegistryCache({ requireRegistered: true });
    expect(await store(registry, [eventFrom('tarkwa-2', 'gw-1')])).toEqual([
      {
        type: 'rejected',
        reason: 'site: tarkwa-2 is not registered (INGEST_REQUIRE_REGISTERED)',
        kind: 'unregistered',
      },
    ]);
  });
});
