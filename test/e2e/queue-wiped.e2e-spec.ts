import { Queue } from 'bullmq';
import type { QueryResultRow } from 'pg';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { PROBE_SITE, untilIngesting } from '../support/ingest-ready';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, deleteRedisKeys, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const TOTAL = 300;

/**
 * The queue carries work, PostgreSQL the state: with every fold job lost from Redis (keys
 * deleted, as a Redis without persistence loses them on a restart), a worker started
 * afterwards still folds every stored event, because it re-queues what PostgreSQL says is
 * not yet folded. 300 events stay under the shared broker's 1,000-message queue.
 */
describe('fold jobs lost from Redis', () => {
  let ctx: TestContext;
  let ingest: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let worker: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let gateways: TestGateway[] = [];
  let queue: Queue | undefined;

  beforeAll(async () => {
    ctx = await createTestContext('queue-wiped');
    // No worker yet: events are stored and queued, and wait there unfolded.
    ingest = await startInProcess(ctx.env({ OREGUARD_ROLES: 'api,ingest' }));
    await untilIngesting(ctx.topicPrefix, ctx.db);
    queue = new Queue('fold', { connection: { url: TEST_SERVICES.redisUrl }, prefix: ctx.queuePrefix });
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await queue?.close();
    await worker?.close();
    await ingest?.close();
    await ctx?.dispose();
  });

  /** The test's own events: the probe's site is left out. */
  const ours = <R extends QueryResultRow>(sql: string) => ctx.db.query<R>(sql, [PROBE_SITE]);
  const queuedEventCount = async () => {
    const jobs = await queue!.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    return jobs.reduce((sum, job) => sum + (job?.data.eventIds.length ?? 0), 0);
  };

  it('folds every stored event into an incident once a worker starts after the queue was wiped', async () => {
    gateways = await Promise.all(
      ['kolwezi-1', 'tarkwa-2'].map((site) => TestGateway.connect(ctx.topicPrefix, site, 'gw-1')),
    );
    const makers = [aDroneEvent, aCyberEvent, aTheftEvent];
    const published = Array.from({ length: TOTAL }, (_, i) => makers[i % 3]({ seq: i + 1 }));
    await Promise.all(published.map((event, i) => gateways[i % 2].publish(event)));

    await waitFor(
      async () => {
        const [row] = await ours<{ n: number; unfolded: number }>(
          'SELECT count(*)::int AS n, count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded FROM events WHERE site_id <> $1',
        );
        return row.n >= TOTAL && row.unfolded === row.n;
      },
      { what: `${TOTAL} events stored and not folded` },
    );
    // Every event's fold job is in Redis (and the probe's), and then none is.
    await waitFor(async () => (await queuedEventCount()) === TOTAL + 1, { what: `fold jobs for all ${TOTAL} events` });
    expect(await deleteRedisKeys(ctx.queuePrefix)).toBeGreaterThan(0);
    expect(await queuedEventCount()).toBe(0);

    worker = await startInProcess(
      ctx.env({
        OREGUARD_ROLES: 'worker',
        MQTT_CLIENT_ID: `${ctx.name}-b`,
        REQUEUE_INTERVAL_MS: '500',
        // The smallest the configuration accepts (it must be positive): re-queue whatever is unfolded.
        REQUEUE_AFTER_MS: '1',
      }),
    );

    await waitFor(
      async () => {
        const [row] = await ctx.db.query<{ unfolded: number }>(
          'SELECT count(*)::int AS unfolded FROM events WHERE folded_at IS NULL',
        );
        return row.unfolded === 0;
      },
      { timeoutMs: 20_000, what: 'every event (the probe too) folded' },
    );
    // Fold incidents only: the correlator's rule incidents (a drone and a breach at one site)
    // link the same events again, as they should.
    const [links] = await ours<{ n: number; distinct_events: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT ie.event_id)::int AS distinct_events
         FROM incident_events ie JOIN events e ON e.id = ie.event_id
         JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
        WHERE e.site_id <> $1`,
    );
    expect(links).toEqual({ n: TOTAL, distinct_events: TOTAL });
    const unlinked = await ctx.db.query(
      'SELECT e.event_id FROM events e WHERE NOT EXISTS (SELECT 1 FROM incident_events ie WHERE ie.event_id = e.id)',
    );
    expect(unlinked).toEqual([]); // the probe's event too
    const [incidents] = await ours<{ event_total: number; sites: number }>(
      `SELECT sum(event_count)::int AS event_total, count(DISTINCT site_id)::int AS sites
         FROM incidents WHERE site_id <> $1 AND NOT starts_with(group_key, 'rule:')`,
    );
    expect(incidents).toEqual({ event_total: TOTAL, sites: 2 });
  });
});
