import type { AppConfig } from '../../src/config/app-config';
import { Metrics } from '../../src/platform/metrics';
import { SharingPublisherService } from '../../src/sharing/sharing-publisher.service';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The worker-side publisher's bookkeeping, as two instances and a restart would have it: every
 * changed incident is published once, even many sharing one updated_at across a batch boundary,
 * and an unchanged one is not published again.
 */
describe('the sharing publisher', () => {
  let ctx: TestContext;
  const publishers: SharingPublisherService[] = [];
  const publisher = () => {
    const config = {
      sharing: { organisation: 'OreGuard test', publishIntervalMs: 60_000 },
      rules: { dir: '/nonexistent' },
      database: { url: ctx.databaseUrl },
    } as AppConfig;
    const made = new SharingPublisherService(ctx.db, config, new Metrics());
    publishers.push(made);
    return made;
  };
  const published = async () =>
    Number((await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM shared_incidents'))[0]!.n);
  /** `count` cyber incidents, all updated in one transaction (one updated_at). */
  const incidents = (count: number) =>
    ctx.db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at)
       SELECT gen_random_uuid(), 'kolwezi-1', 'cyber:' || g, 'Scan', 'low', 1, 'open', ARRAY['cyber'], '{}', 0, now(), now(), now(), now()
         FROM generate_series(1, $1::int) g`,
      [count],
    );

  beforeAll(async () => {
    ctx = await createTestContext('sharing-publisher');
    await ctx.db.query(`INSERT INTO sites (id, name, time_zone) VALUES ('kolwezi-1', 'Kolwezi', 'UTC')`);
  });

  afterAll(async () => {
    for (const p of publishers) await p.onModuleDestroy();
    await ctx?.dispose();
  });

  it('publishes every incident of a batch boundary that shares one updated_at, once, whichever instance runs', async () => {
    await incidents(450);
    const [one, two] = [publisher(), publisher()];
    // Together: one takes the lock, the other skips this run; neither fails.
    const counts = await Promise.all([one.publish(), two.publish()]);
    expect(counts.sort((a, b) => a - b)).toEqual([0, 450]);
    expect(await published()).toBe(450);
    // A restarted instance finds nothing new; a changed incident is published again, alone.
    expect(await publisher().publish()).toBe(0);
    const [changed] = await ctx.db.query<{ id: string }>(
      `UPDATE incidents SET updated_at = now(), event_count = 1 WHERE id = (SELECT id FROM incidents LIMIT 1) RETURNING id`,
    );
    expect(await two.publish()).toBe(1);
    const [row] = await ctx.db.query<{ same: boolean }>(
      `SELECT p.updated_at = i.updated_at AS same FROM shared_incidents p JOIN incidents i ON i.id = p.incident_id WHERE i.id = $1`,
      [changed!.id],
    );
    expect(row?.same).toBe(true);
    // The base objects (markings, identity, extension) were stored once.
    const [base] = await ctx.db.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT stix_id) AS ids FROM shared_objects WHERE incident_id IS NULL`,
    );
    expect(Number(base!.n)).toBe(Number(base!.ids));
  });

  it('computes nothing while no partner may read, and publishes what changed meanwhile once one may', async () => {
    const before = await published();
    await incidents(3);
    const worker = publisher();
    expect(await worker.publishForPartners()).toBe(0);
    const partner = (name: string, disabled: boolean) =>
      ctx.db.query(
        `INSERT INTO partners (id, name, projection, secret_hash, disabled, created_at, created_by, updated_at)
         VALUES (gen_random_uuid(), $1, '{}', 'x', $2, now(), 'lead-1', now())`,
        [name, disabled],
      );
    await partner('ally-disabled', true);
    expect(await worker.publishForPartners()).toBe(0);
    expect(await published()).toBe(before);
    await partner('ally', false);
    expect(await worker.publishForPartners()).toBe(3);
    expect(await published()).toBe(before + 3);
  });
});
