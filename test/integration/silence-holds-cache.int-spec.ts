import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../src/config/app-config';
import { SystemClock } from '../../src/platform/clock';
import { SilenceHoldsCache } from '../../src/silences/silence-holds.cache';
import { SILENCES_CHANGED_CHANNEL, SilenceHoldsRepository } from '../../src/silences/silence-holds.repository';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * The fold's cache of silences, as two instances would have it: a change committed elsewhere
 * and announced by NOTIFY reaches this instance's cache well before its TTL (15 s) runs out.
 */
describe("the fold's cache of silences and authorized drones", () => {
  let ctx: TestContext;
  let cache: SilenceHoldsCache;

  beforeAll(async () => {
    ctx = await createTestContext('silence-cache');
    await ctx.db.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ('kolwezi-1', 'Kolwezi', 'Africa/Lubumbashi'), ('tarkwa-2', 'Tarkwa', 'Africa/Accra')`,
    );
    cache = new SilenceHoldsCache(new SilenceHoldsRepository(ctx.db), new SystemClock(), {
      database: { url: ctx.databaseUrl },
    } as AppConfig);
  });

  afterAll(async () => {
    await cache?.onModuleDestroy();
    await ctx?.dispose();
  });

  it('knows no holds for a site without any, then picks up a silence announced by another instance at once', async () => {
    expect(await cache.forSites(['kolwezi-1', 'tarkwa-2'])).toEqual(new Map());

    const id = randomUUID();
    await ctx.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO silences (id, site_id, zone, starts_at, ends_at, reason, created_by, created_at)
         VALUES ($1, 'kolwezi-1', 'north-fence', now() - interval '1 hour', now() + interval '1 hour', 'Fence works', 'lead', now())`,
        [id],
      );
      await tx.query('SELECT pg_notify($1, $2)', [SILENCES_CHANGED_CHANNEL, 'kolwezi-1']);
    });

    const holds = await waitFor(async () => (await cache.forSites(['kolwezi-1', 'tarkwa-2'])).get('kolwezi-1'), {
      timeoutMs: 5000,
      what: 'the announced silence in the cache',
    });
    expect(holds).toMatchObject({
      timeZone: 'Africa/Lubumbashi',
      silences: [{ id, siteId: 'kolwezi-1', zone: 'north-fence' }],
      authorizedDrones: [],
    });
    expect((await cache.forSites(['tarkwa-2'])).size).toBe(0);
  });
});
