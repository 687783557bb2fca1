import { Client } from 'pg';
import { MATCHED_EVENTS, correlatorStore } from '../../src/correlation/correlator.repository';
import { sessionOptions } from '../../src/database/db';
import { relationsRun } from '../support/query-plan';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The events a correlation step's matches name are read by id, and `id` is not the partition
 * key: a bound on when they were received leaves the older partitions out of the read
 * (correlatorStore.matchedEvents). The bound only saves work: an event received before it is
 * still found.
 */
const SITE = 'kolwezi-1';
const DAY_MS = 86_400_000;

describe('the events a correlation step names', () => {
  let ctx: TestContext;
  let session: Client;
  const oldIds: string[] = [];
  const newIds: string[] = [];

  /** Stores `n` events received at `at`; returns their ids. */
  const store = async (n: number, at: Date): Promise<string[]> => {
    const rows = await ctx.db.query<{ id: string }>(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload)
       SELECT $1, 'gw-1', gen_random_uuid(), 'fence-3', 'theft', 'high', $2, $2, 'canonical', '{}', 't', '{"n":' || k || '}'
         FROM generate_series(1, $3::int) k
       RETURNING id`,
      [SITE, at, n],
    );
    return rows.map((r) => String(r.id));
  };

  beforeAll(async () => {
    ctx = await createTestContext('matched-events');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await ctx.db.query(`INSERT INTO gateways (site_id, id) VALUES ($1, 'gw-1')`, [SITE]);
    // Ten weeks of weekly partitions, as over a long-running database.
    await ctx.db.query(`SELECT oreguard_ensure_partitions('events', 'week', now() - interval '70 days', now())`);
    oldIds.push(...(await store(20, new Date(Date.now() - 60 * DAY_MS))));
    newIds.push(...(await store(20, new Date())));
    // Read on a session like the correlator's lease (correlator.service.ts), which reads them.
    session = new Client({ connectionString: ctx.databaseUrl, options: sessionOptions('indexed') });
    await session.connect();
  });

  afterAll(async () => {
    await session?.end();
    await ctx?.dispose();
  });

  /** The partitions of events the read's plan runs. */
  const partitionsRead = async (ids: readonly string[], since: Date): Promise<string[]> => {
    const { rows } = await session.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${MATCHED_EVENTS}`,
      [ids, since],
    );
    return relationsRun(rows[0]['QUERY PLAN'], /^events_p\d{8}$/);
  };

  it('reads only the partitions received since the bound it is given', async () => {
    const since = new Date(Date.now() - DAY_MS);
    const recent = await partitionsRead(newIds, since);
    const unbounded = await partitionsRead(newIds, new Date(0));
    const [{ partition }] = await ctx.db.query<{ partition: string }>(
      'SELECT tableoid::regclass::text AS partition FROM events WHERE id = $1',
      [oldIds[0]],
    );
    // Unbounded, every partition's primary key is probed; bounded, the ten older weeks are not.
    expect(unbounded).toContain(partition);
    expect(recent).not.toContain(partition);
    expect(recent.every((p) => unbounded.includes(p))).toBe(true);
    expect(unbounded.length - recent.length).toBeGreaterThanOrEqual(5);
  });

  it('finds every event named, those received before the bound too', async () => {
    const named = [...oldIds.slice(0, 5), ...newIds.slice(0, 5)];
    const matched = await correlatorStore.matchedEvents(session, named, new Date(Date.now() - DAY_MS));
    expect([...matched.keys()].sort()).toEqual([...named].sort());
    for (const id of named) expect(matched.get(id)).toMatchObject({ site_id: SITE, kind: 'theft' });
  });

  it('returns nothing for an id no event has', async () => {
    const matched = await correlatorStore.matchedEvents(session, ['999999999'], new Date(Date.now() - DAY_MS));
    expect(matched.size).toBe(0);
  });
});
