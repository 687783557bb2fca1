import type { QueryConfig } from 'pg';
import { Db } from '../../src/database/db';
import { LiveLogReader } from '../../src/live/live-log';
import { relationsRun } from '../support/query-plan';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The live fan-out reads the log back by site and seq, and `seq` is not the partition key: it
 * reads the last hour's partitions first (LiveLogReader.afterEach), and a site whose read is not
 * every message from its seq to its counter's last is read again in full, so no message is
 * missed whatever its age.
 */
const SITE = 'kolwezi-1';
const OTHER = 'tenke-2';
const THIRD = 'kamoto-3';

describe('reading the live log back from recent partitions', () => {
  let ctx: TestContext;
  let reader: LiveLogReader;
  const statements: QueryConfig[] = [];

  /**
   * A message of `site` numbered `seq`, written `hoursAgo` hours ago by PostgreSQL's clock, and
   * the site's counter moved on to it, as the log's writers do in the same statement.
   */
  const write = (site: string, seq: number, hoursAgo = 0) =>
    ctx.db.query(
      `WITH counter AS (
         INSERT INTO site_streams (site_id, last_seq) VALUES ($1, $2)
         ON CONFLICT (site_id) DO UPDATE SET last_seq = greatest(site_streams.last_seq, EXCLUDED.last_seq))
       INSERT INTO live_messages (site_id, seq, type, incident_id, payload, created_at)
       VALUES ($1, $2, 'opened', gen_random_uuid(), $3, now() - make_interval(hours => $4))`,
      [site, seq, JSON.stringify({ title: `${site} ${seq}` }), hoursAgo],
    );

  beforeAll(async () => {
    ctx = await createTestContext('live-log-recent');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1), ($2, $2), ($3, $3)`, [SITE, OTHER, THIRD]);
    // Ten weeks of weekly partitions, as over a long-running database.
    await ctx.db.query(`SELECT oreguard_ensure_partitions('live_messages', 'week', now() - interval '70 days', now())`);
    const spied = Object.create(ctx.db) as Db;
    spied.query = (async (config: QueryConfig) => {
      statements.push(config);
      return ctx.db.query(config as never);
    }) as Db['query'];
    reader = new LiveLogReader(spied);
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  const seqs = (read: Map<string, { seq: number }[]>, site: string) => read.get(site)!.map((m) => m.seq);

  it('reads each site after its seq, the messages written before the last hour too', async () => {
    await write(SITE, 1, 3); // written by a transaction that ran long, or read late
    await write(SITE, 2);
    await write(SITE, 3);
    await write(OTHER, 1);
    statements.length = 0;
    const read = await reader.afterEach([
      [SITE, 0],
      [OTHER, 0],
    ]);
    expect(seqs(read, SITE)).toEqual([1, 2, 3]);
    expect(seqs(read, OTHER)).toEqual([1]);
    // The recent read left out seq 1 of SITE: only SITE was read again in full.
    expect(statements).toHaveLength(2);
    expect(statements[1].values?.[0]).toEqual([SITE]);
  });

  it('finds a last message written before the last hour', async () => {
    await write(SITE, 4, 2);
    expect(seqs(await reader.afterEach([[SITE, 3]]), SITE)).toEqual([4]);
    statements.length = 0;
    expect(seqs(await reader.afterEach([[SITE, 4]]), SITE)).toEqual([]);
    // Nothing after seq 4, as the counter says: no second read.
    expect(statements).toHaveLength(1);
  });

  it('finds a message written before the last hour between recent ones, and after them', async () => {
    await write(SITE, 5);
    await write(SITE, 6, 2);
    await write(SITE, 7);
    await write(SITE, 8, 5);
    statements.length = 0;
    expect(seqs(await reader.afterEach([[SITE, 4]]), SITE)).toEqual([5, 6, 7, 8]);
    expect(statements).toHaveLength(2);
    statements.length = 0;
    expect(seqs(await reader.afterEach([[SITE, 6]]), SITE)).toEqual([7, 8]);
    expect(statements).toHaveLength(2);
  });

  it('reads no further than the limit, and needs no second read for what lies beyond it', async () => {
    statements.length = 0;
    expect(seqs(await reader.afterEach([[SITE, 1]], 2), SITE)).toEqual([2, 3]);
    expect(statements).toHaveLength(1);
  });

  it('reads only the newest partitions when the recent read goes on from every seq', async () => {
    await write(OTHER, 2);
    statements.length = 0;
    expect(seqs(await reader.afterEach([[OTHER, 1]]), OTHER)).toEqual([2]);
    expect(statements).toHaveLength(1);

    /** The partitions of live_messages a statement's plan ran. */
    const partitionsRun = async (config: QueryConfig) => {
      const { rows } = await ctx.db.pool.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${config.text}`,
        config.values,
      );
      return relationsRun(rows[0]['QUERY PLAN'], /^live_messages_p/);
    };
    const recent = await partitionsRun(statements[0]);
    // A month-old message: the recent read leaves it out, so its site is read again in full.
    await write(THIRD, 1, 24 * 30);
    statements.length = 0;
    expect(seqs(await reader.afterEach([[THIRD, 0]]), THIRD)).toEqual([1]);
    expect(statements).toHaveLength(2);
    const all = await partitionsRun(statements[1]);
    const [{ partition }] = await ctx.db.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM live_messages WHERE site_id = $1`,
      [THIRD],
    );
    expect(all).toContain(partition);
    expect(recent).not.toContain(partition);
    expect(all.length - recent.length).toBeGreaterThanOrEqual(5);
  });
});
