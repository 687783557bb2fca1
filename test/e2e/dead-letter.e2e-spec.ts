import { Queue } from 'bullmq';
import { FOLD_QUEUE } from '../../src/correlation/fold.jobs';
import { aTheftEvent } from '../factories/events';
import { untilIngesting } from '../support/ingest-ready';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

describe('a fold job that keeps failing', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    ctx = await createTestContext('dead-letter');
    oreguard = await startInProcess(ctx.env({ JOB_ATTEMPTS: '2', REQUEUE_INTERVAL_MS: '300', REQUEUE_AFTER_MS: '0' }));
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, 'kolwezi-1', 'gw-1');
  });

  afterAll(async () => {
    await gateway?.close();
    await oreguard?.close();
    await ctx?.dispose();
  });

  it('is retried, then dead-lettered with its error, visible in the events and the metrics; the event stays stored', async () => {
    // Break folding for this database only: the timeline table is gone.
    await ctx.db.query('ALTER TABLE incident_timeline RENAME TO incident_timeline_away');
    const event = aTheftEvent();
    await gateway.publish(event);

    const rows = await waitFor(
      () => ctx.db.query<{ fold_error: string | null; folded_at: Date | null }>(
        'SELECT fold_error, folded_at FROM events WHERE event_id = $1 AND fold_error IS NOT NULL',
        [event.eventId],
      ).then((rows) => (rows.length ? rows : undefined)),
      { timeoutMs: 30_000, what: 'the event to be dead-lettered' },
    );
    const row = rows![0];
    expect(row.folded_at).toBeNull();
    expect(row.fold_error).toMatch(/incident_timeline/);

    const metrics = await (await fetch(`${oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_events_dead_lettered 1$/m);
    expect(metrics).toMatch(/^oreguard_queue_jobs\{state="failed"\} [1-9]/m);

    // Once every job holding it has failed for good, the re-queue sweep (every 300 ms here)
    // leaves the dead letter alone: nothing folds it behind the operator's back.
    const queue = new Queue(FOLD_QUEUE, { connection: { url: TEST_SERVICES.redisUrl }, prefix: ctx.queuePrefix });
    try {
      await waitFor(
        async () => {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        { what: 'no fold job left but the failed ones' },
      );
    } finally {
      await queue.close();
    }
    await ctx.db.query('ALTER TABLE incident_timeline_away RENAME TO incident_timeline');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [after] = await ctx.db.query('SELECT folded_at FROM events WHERE event_id = $1', [event.eventId]);
    expect(after.folded_at).toBeNull();
  });
});
