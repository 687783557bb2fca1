import { Client } from 'pg';
import { sessionOptions } from '../../src/database/db';
import { CLAIMED, claimEventKeys } from '../../src/database/events-once';
import { MATCHED_EVENTS, PENDING_COUNT, correlatorStore } from '../../src/correlation/correlator.repository';
import { DEAD_LETTER_COUNT } from '../../src/correlation/fold-queue';
import { scannedWhole } from '../support/query-plan';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The counts a metrics scrape makes (dead letters, events correlation has still to take) must
 * come from their indexes, not from reading every event, also on a table autovacuum has never
 * analyzed: a fresh database, or the first minutes of a busy one (or of a new partition). So
 * must the read of the events a correlation step's matches name, which runs in every step. And
 * the incidents' GIN indexes keep their pending lists small (migration 1764800000000).
 */
const EVENTS = 5000;

describe('what a metrics scrape counts, on a table never analyzed', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('scrape-counts');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ('kolwezi-1', 'kolwezi-1')`);
    await ctx.db.query(`INSERT INTO gateways (site_id, id) VALUES ('kolwezi-1', 'gw-1')`);
    await ctx.db.query(
      `WITH ${claimEventKeys(`SELECT 'kolwezi-1' AS site_id, 'gw-1' AS gateway_id, gen_random_uuid() AS event_id, now() AS received_at, n
           FROM generate_series(1, $1::int) AS n`)}
       INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic,
                           raw_payload, folded_at)
       OVERRIDING SYSTEM VALUE
       SELECT id, site_id, gateway_id, event_id, 'ids-1', 'cyber', now(), received_at, 'canonical', '{}', 't', '{}',
              CASE WHEN n % 1000 = 0 THEN NULL ELSE now() END
         FROM claimable WHERE ${CLAIMED}`,
      [EVENTS],
    );
    await ctx.db.query(`UPDATE events SET fold_error = 'timeline: relation does not exist' WHERE folded_at IS NULL`);
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  const planOf = async (sql: string, params: unknown[] = []) => {
    const { rows } = await ctx.db.withoutTableScans((tx) =>
      tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params),
    );
    return JSON.stringify(rows[0]['QUERY PLAN']);
  };

  it('counts the dead letters from their partial index', async () => {
    const plan = await planOf(DEAD_LETTER_COUNT);
    expect(plan).not.toContain('Seq Scan');
    // The partial index on fold_error (events_fold_failed; on each time partition, its own copy).
    expect(plan).toMatch(/"Index Name":"events_fold_failed"|"Recheck Cond":"\(fold_error IS NOT NULL\)"/);
    const { rows } = await ctx.db.withoutTableScans((tx) => tx.query<{ n: string }>(DEAD_LETTER_COUNT));
    expect(Number(rows[0].n)).toBe(EVENTS / 1000);
  });

  it('counts the events after the correlation cursor from the (ingest_xid, id) index', async () => {
    const cursor = await correlatorStore.cursor(ctx.db.pool);
    const plan = await planOf(PENDING_COUNT, [cursor.xid, cursor.eventId]);
    expect(plan).not.toContain('Seq Scan');
    expect(plan).toMatch(/"Index Name":"events(_p\d{8})?_ingest_xid/);
    expect(await ctx.db.withoutTableScans((tx) => correlatorStore.pending(tx))).toBe(EVENTS);
  });

  it('reads the events a correlation step names by their ids through each partition index', async () => {
    const ids = (await ctx.db.query<{ id: string }>('SELECT id FROM events ORDER BY id DESC LIMIT 300')).map(
      (r) => r.id,
    );
    // Read on a session like the correlator's lease (correlator.service.ts), which reads it.
    const session = new Client({ connectionString: ctx.databaseUrl, options: sessionOptions('indexed') });
    await session.connect();
    try {
      const explained = await session.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${MATCHED_EVENTS}`, [
        ids,
        new Date(0),
      ]);
      const plan = explained.rows[0]['QUERY PLAN'];
      // Planned as the planner likes, this reads all 5,000 events of the partition to keep 300.
      expect(scannedWhole(plan)).toEqual([]);
      expect(JSON.stringify(plan)).toMatch(/"Index Name":"events(_p\d{8})?_pkey"/);
      const matched = await correlatorStore.matchedEvents(session, ids, new Date(0));
      expect([...matched.keys()].sort()).toEqual([...ids].sort());
    } finally {
      await session.end();
    }
  });

  it('keeps the pending lists of the incidents GIN indexes at 64 kB', async () => {
    const rows = await ctx.db.query<{ relname: string; reloptions: string[] | null }>(
      `SELECT c.relname, c.reloptions FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
        WHERE x.indrelid = 'incidents'::regclass AND a.amname = 'gin' ORDER BY c.relname`,
    );
    // incidents_title_trgm too, where the server has pg_trgm (this machine's has).
    expect(rows.map((r) => r.relname)).toEqual(expect.arrayContaining(['incidents_rule_ids', 'incidents_zones']));
    for (const row of rows) expect(row.reloptions).toContain('gin_pending_list_limit=64');
  });
});
