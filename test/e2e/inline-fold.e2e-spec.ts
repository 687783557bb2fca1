import { aCyberEvent, aTheftEvent } from '../factories/events';
import { untilIngesting } from '../support/ingest-ready';
import { MosquittoServer } from '../support/mosquitto-server';
import { TestGateway } from '../support/mqtt-gateway';
import { freePort, OreGuardProcess, startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * An instance that folds folds its own ingest's events in the transaction that stores them
 * (ingest-batcher.ts, InlineFold). These tests look at that transaction from PostgreSQL: what
 * one commit wrote, what a failing fold leaves, and two instances folding one group at once.
 */
describe('folding in the ingest transaction', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    ctx = await createTestContext('inline-fold');
    oreguard = await startInProcess(ctx.env({ JOB_ATTEMPTS: '30', REQUEUE_INTERVAL_MS: '300', REQUEUE_AFTER_MS: '0' }));
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, 'kolwezi-1', 'gw-1');
  });

  afterAll(async () => {
    await gateway?.close();
    await oreguard?.close();
    await ctx?.dispose();
  });

  it('writes the event, its link to its incident and its live message in one transaction', async () => {
    const event = aTheftEvent();
    await gateway.publish(event);
    const [row] = await waitFor(
      () =>
        ctx.db
          .query<{ id: string; xid: string; folded: boolean }>(
            'SELECT id, xmin::text AS xid, folded_at IS NOT NULL AS folded FROM events WHERE event_id = $1',
            [event.eventId],
          )
          .then((rows) => (rows.length ? rows : undefined)),
      { what: 'the event to be stored' },
    );
    expect(row.folded).toBe(true);
    const links = await ctx.db.query<{ incident_id: string; xid: string }>(
      'SELECT incident_id, xmin::text AS xid FROM incident_events WHERE event_id = $1',
      [row.id],
    );
    expect(links).toEqual([{ incident_id: expect.any(String), xid: row.xid }]);
    const messages = await ctx.db.query<{ type: string; xid: string }>(
      'SELECT type, xmin::text AS xid FROM live_messages WHERE incident_id = $1 ORDER BY seq',
      [links[0].incident_id],
    );
    expect(messages).toEqual([{ type: 'opened', xid: row.xid }]);
  });

  it('stores the event when its fold fails, and folds it once folding works again', async () => {
    // Break folding for this database only: the timeline table is gone.
    await ctx.db.query('ALTER TABLE incident_timeline RENAME TO incident_timeline_away');
    const event = aCyberEvent({ severity: 'high' });
    try {
      await gateway.publish(event);
      const [stored] = await waitFor(
        () =>
          ctx.db
            .query<{ id: string; folded: boolean }>(
              'SELECT id, folded_at IS NOT NULL AS folded FROM events WHERE event_id = $1',
              [event.eventId],
            )
            .then((rows) => (rows.length ? rows : undefined)),
        { what: 'the event to be stored without its fold' },
      );
      expect(stored.folded).toBe(false);
      expect(await ctx.db.query('SELECT 1 FROM incident_events WHERE event_id = $1', [stored.id])).toEqual([]);
    } finally {
      await ctx.db.query('ALTER TABLE incident_timeline_away RENAME TO incident_timeline');
    }
    const [linked] = await waitFor(
      () =>
        ctx.db
          .query<{ severity: string; n: number }>(
            `SELECT i.severity, count(*) OVER ()::int AS n FROM events e
               JOIN incident_events l ON l.event_id = e.id JOIN incidents i ON i.id = l.incident_id
              WHERE e.event_id = $1 AND e.folded_at IS NOT NULL`,
            [event.eventId],
          )
          .then((rows) => (rows.length ? rows : undefined)),
      { timeoutMs: 30_000, what: 'the event to be folded by a retry' },
    );
    expect(linked).toEqual({ severity: 'high', n: 1 });
  });
});

/**
 * Two instances that both fold, sharing the stream: each folds the batches it ingests, so
 * both write one site's cyber incident at once. The fold lock, taken at the start of each
 * ingest transaction, must make that one incident holding every event once.
 */
describe('two instances folding one group in their ingest transactions', () => {
  const EVENTS = 1000;
  let ctx: TestContext;
  let broker: MosquittoServer;
  const instances: OreGuardProcess[] = [];
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext('inline-fold-two');
    broker = new MosquittoServer(await freePort());
    await broker.start();
    for (const name of ['a', 'b']) {
      const instance = new OreGuardProcess(
        ctx.env({
          MQTT_URL: broker.url,
          MQTT_SHARED_GROUP: 'oreguard',
          MQTT_CLIENT_ID: `${ctx.name}-${name}`,
          PORT: String(await freePort()),
          INGEST_BATCH_SIZE: '20',
        }),
      );
      // One after the other: both start on a fresh database and would race to create the admin.
      await instance.start();
      instances.push(instance);
    }
    await untilIngesting(ctx.topicPrefix, ctx.db, broker.url);
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    for (const instance of instances) await instance.stop('SIGKILL');
    await broker?.dispose();
    await ctx?.dispose();
  });

  it('makes one incident of every event, each linked once, with a gap-free live log', async () => {
    for (const id of ['gw-1', 'gw-2', 'gw-3', 'gw-4'])
      gateways.push(await TestGateway.connect(ctx.topicPrefix, 'tarkwa-2', id, broker.url));
    const base = Date.now() - 20 * 60_000;
    for (let chunk = 0; chunk < EVENTS / 100; chunk++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = chunk * 100 + i;
          return gateways[n % gateways.length].publish(
            aCyberEvent({ occurredAt: new Date(base + n * 500).toISOString() }),
          );
        }),
      );
    }
    await waitFor(
      async () => {
        const [row] = await ctx.db.query<{ n: number; unfolded: number }>(
          "SELECT count(*)::int AS n, count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded FROM events WHERE site_id = 'tarkwa-2'",
        );
        return row.n === EVENTS && row.unfolded === 0;
      },
      { timeoutMs: 30_000, what: `${EVENTS} events stored and folded` },
    );

    // Both instances ingested (and so folded) part of the stream.
    for (const instance of instances) {
      const metrics = await (await fetch(`${instance.baseUrl}/api/v1/metrics`)).text();
      const accepted = [...metrics.matchAll(/^oreguard_events_accepted_total\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      expect(accepted).toBeGreaterThan(0);
    }
    const incidents = await ctx.db.query<{ id: string; event_count: number }>(
      "SELECT id, event_count FROM incidents WHERE site_id = 'tarkwa-2' AND group_key = 'cyber'",
    );
    expect(incidents).toEqual([{ id: expect.any(String), event_count: EVENTS }]);
    const [links] = await ctx.db.query<{ n: number; events: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS events FROM incident_events WHERE incident_id = $1',
      [incidents[0].id],
    );
    expect(links).toEqual({ n: EVENTS, events: EVENTS });
    const seqs = await ctx.db.query<{ seq: number }>(
      "SELECT seq::int AS seq FROM live_messages WHERE site_id = 'tarkwa-2' ORDER BY seq",
    );
    expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  }, 120_000);
});
