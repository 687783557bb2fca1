import { CLAIMED, claimEventKeys } from '../../src/database/events-once';
import { correlatorStore } from '../../src/correlation/correlator.repository';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Live correlation takes an event only once every transaction of its database that could
 * still store one before it has ended (correlatorStore.newEvents). A transaction running in
 * another database of the same server cannot store events here, so it must not hold
 * correlation back (a bulk load elsewhere once stalled it for as long as it ran); one running
 * in this database must, and the correlator is told so (hiddenBehindOlder) to look again soon.
 */
const SITE = 'kolwezi-1';

describe('the correlator commit horizon', () => {
  let ctx: TestContext;
  let elsewhere: TestContext;

  const storeEvent = async () => {
    const [row] = await ctx.db.query<{ id: string }>(
      `WITH ${claimEventKeys(`SELECT $1::text AS site_id, 'gw-1' AS gateway_id, gen_random_uuid() AS event_id, now() AS received_at`)}
       INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic, raw_payload, folded_at)
       OVERRIDING SYSTEM VALUE
       SELECT id, site_id, gateway_id, event_id, 'ids-1', 'cyber', now(), received_at, 'canonical', '{}', 't', '{}', now()
         FROM claimable WHERE ${CLAIMED} RETURNING id`,
      [SITE],
    );
    return String(row.id);
  };
  const takenNow = async () =>
    (await correlatorStore.newEvents(ctx.db.pool, await correlatorStore.cursor(ctx.db.pool), 100)).map((r) =>
      String(r.id),
    );

  /** A transaction holding a transaction id, left open until the test ends it. */
  const openTransaction = async (on: TestContext) => {
    const client = await on.db.pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    return {
      end: async () => {
        await client.query('ROLLBACK');
        client.release();
      },
    };
  };

  beforeAll(async () => {
    ctx = await createTestContext('correlator-horizon');
    elsewhere = await createTestContext('correlator-horizon-elsewhere');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await ctx.db.query(`INSERT INTO gateways (site_id, id) VALUES ($1, 'gw-1')`, [SITE]);
  });

  afterAll(async () => {
    await elsewhere?.dispose();
    await ctx?.dispose();
  });

  it('is not held back by a transaction in another database', async () => {
    const other = await openTransaction(elsewhere);
    try {
      const id = await storeEvent();
      expect(await takenNow()).toContain(id);
      expect(await correlatorStore.hiddenBehindOlder(ctx.db.pool, await correlatorStore.cursor(ctx.db.pool))).toBe(
        false,
      );
    } finally {
      await other.end();
    }
  });

  it('waits for an older transaction of its own database, says so, and takes the event once it ends', async () => {
    const before = await takenNow();
    const older = await openTransaction(ctx);
    let id: string;
    try {
      id = await storeEvent();
      expect(await takenNow()).toEqual(before);
      expect(await correlatorStore.hiddenBehindOlder(ctx.db.pool, await correlatorStore.cursor(ctx.db.pool))).toBe(
        true,
      );
    } finally {
      await older.end();
    }
    expect(await takenNow()).toContain(id!);
  });
});
