import { Queue } from 'bullmq';
import { FOLD_QUEUE } from '../../src/correlation/fold.jobs';
import { aTheftEvent } from '../factories/events';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

describe('a fold job that keeps failing', () => {
  const og = oreGuardForFile('dead-letter', { env: { JOB_ATTEMPTS: '2', REQUEUE_INTERVAL_MS: '300', REQUEUE_AFTER_MS: '0' }, untilIngesting: true });
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await og.gateway('kolwezi-1', 'gw-1');
  });

  it('is retried, then dead-lettered with its error, visible in the events and the metrics; the event stays stored', async () => {
    // Break folding for this database only: the timeline table is gone.
    await og.ctx.db.query('ALTER TABLE incident_timeline RENAME TO incident_timeline_away');
    const event = aTheftEvent();
    await gateway.publish(event);

    const rows = await waitFor(
      () => og.ctx.db.query<{ fold_error: string | null; folded_at: Date | null }>(
        'SELECT fold_error, folded_at FROM events WHERE event_id = $1 AND fold_error IS NOT NULL',
        [event.eventId],
      ).then((rows) => (rows.length ? rows : undefined)),
      { timeoutMs: 30_000, what: 'the event to be dead-lettered' },
    );
    const row = rows![0];
    expect(row.folded_at).toBeNull();
    expect(row.fold_error).toMatch(/incident_timeline/);

    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_events_dead_lettered 1$/m);
    expect(metrics).toMatch(/^oreguard_queue_jobs\{state="failed"\} [1-9]/m);

    // Once every job holding it has failed for good, the re-queue sweep (every 300 ms here)
    // leaves the dead letter alone: nothing folds it behind the operator's back.
    const queue = new Queue(FOLD_QUEUE, { connection: { url: TEST_SERVICES.redisUrl }, prefix: og.ctx.queuePrefix });
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
    await og.ctx.db.query('ALTER TABLE incident_timeline_away RENAME TO incident_timeline');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [after] = await og.ctx.db.query('SELECT folded_at FROM events WHERE event_id = $1', [event.eventId]);
    expect(after.folded_at).toBeNull();
  });
});
