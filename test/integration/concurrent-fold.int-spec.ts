import { Queue } from 'bullmq';
import { startOreGuard, type RunningOreGuard } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { FOLD_QUEUE, type FoldJobData } from '../../src/correlation/fold.jobs';
import { JsonLogger } from '../../src/platform/json-logger';
import { bullConnection } from '../../src/platform/redis-connection';
import { aCyberEvent } from '../factories/events';
import { untilIngesting } from '../support/ingest-ready';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * 2,000 events of one site and kind, all within the gap of each other, folded by 8 concurrent
 * jobs at a time from ~200 jobs that overlap (every event is in an ingest job and in a shuffled
 * job of ours, and in a re-queue job): the advisory lock must make that one incident, each
 * event folded once, and a gap-free live stream.
 */
const SITE = 'kolwezi-1';
const EVENTS = 2000;
const JOB_SIZE = 20;

/** Nest's logger for both instances: keeps warnings and errors so retried fold jobs are seen. */
class CapturingLogger extends JsonLogger {
  readonly problems: string[] = [];
  constructor() {
    super('error');
  }
  override log(): void {}
  override debug(): void {}
  override verbose(): void {}
  override warn(message: unknown, ...rest: unknown[]): void {
    this.problems.push(`warn ${String(rest[rest.length - 1])}: ${String(message)}`);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    this.problems.push(`error ${String(rest[rest.length - 1])}: ${String(message)}`);
  }
  override fatal(message: unknown, ...rest: unknown[]): void {
    this.error(message, ...rest);
  }
}

function shuffle<T>(items: T[], seed = 20261129): T[] {
  const out = [...items];
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('folding 2,000 events of one site and kind with 8 concurrent jobs', () => {
  let ctx: TestContext;
  let ingest: Awaited<ReturnType<typeof startInProcess>>;
  let worker: RunningOreGuard | undefined;
  let gateway: TestGateway;
  let queue: Queue<FoldJobData>;
  const logger = new CapturingLogger();
  const base = Date.now() - 30 * 60_000;
  const events = Array.from({ length: EVENTS }, (_, i) =>
    aCyberEvent({ occurredAt: new Date(base + i * 250).toISOString(), severity: i === 1234 ? 'critical' : 'low' }),
  );

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: string }>(sql, params))[0].n);

  beforeAll(async () => {
    ctx = await createTestContext('concurrent-fold');
    // Ingest only: events are stored and fold jobs queued, but nothing folds them yet.
    ingest = await startInProcess(
      ctx.env({ OREGUARD_ROLES: 'api,ingest', INGEST_BATCH_SIZE: '20', INGEST_LINGER_MS: '5' }),
    );
    queue = new Queue<FoldJobData>(FOLD_QUEUE, {
      connection: bullConnection(TEST_SERVICES.redisUrl),
      prefix: ctx.queuePrefix,
    });
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await queue?.close();
    await ingest?.close();
    await ctx?.dispose();
  });

  it('makes exactly one incident of all of them, each event folded once, with a gap-free live stream', async () => {
    for (let i = 0; i < EVENTS; i += 200) await Promise.all(events.slice(i, i + 200).map((e) => gateway.publish(e)));
    await waitFor(async () => (await count('SELECT count(*) AS n FROM events WHERE site_id = $1', [SITE])) === EVENTS, {
      timeoutMs: 30_000,
      what: `${EVENTS} events stored`,
    });
    expect(await count('SELECT count(*) AS n FROM events WHERE site_id = $1 AND folded_at IS NOT NULL', [SITE])).toBe(
      0,
    );

    // Our own jobs on top of the ingest ones: 100 jobs of 20 ids, shuffled across the whole set
    // (each job's events span the whole incident, so every job contends for the same lock).
    const ids = (await ctx.db.query<{ id: string }>('SELECT id FROM events WHERE site_id = $1', [SITE])).map((r) =>
      Number(r.id),
    );
    const shuffled = shuffle(ids);
    const jobs = Array.from({ length: EVENTS / JOB_SIZE }, (_, i) => ({
      name: 'fold',
      data: { eventIds: shuffled.slice(i * JOB_SIZE, (i + 1) * JOB_SIZE) },
      // LIFO: ahead of the ingest jobs, so these shuffled ones are what does the folding.
      opts: { jobId: `stress-${i}`, lifo: true, removeOnComplete: true, removeOnFail: false },
    }));
    await queue.addBulk(shuffle(jobs, 7));
    const waiting = await queue.getJobCounts('waiting', 'prioritized');
    expect(waiting.waiting + waiting.prioritized).toBeGreaterThanOrEqual(2 * (EVENTS / JOB_SIZE));

    // Then a worker with 8 jobs at a time (its start also re-queues every unfolded event).
    worker = await startOreGuard(
      loadConfig(
        ctx.env({
          OREGUARD_ROLES: 'worker',
          WORKER_CONCURRENCY: '8',
          REQUEUE_AFTER_MS: '1',
          MQTT_CLIENT_ID: `${ctx.name}-b`,
          DATABASE_POOL_SIZE: '12',
        }),
      ),
      logger,
    );

    await waitFor(
      async () =>
        (await count('SELECT count(*) AS n FROM events WHERE site_id = $1 AND folded_at IS NULL', [SITE])) === 0,
      {
        timeoutMs: 45_000,
        intervalMs: 250,
        what: `all ${EVENTS} events folded`,
      },
    );
    await waitFor(
      async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return c.waiting + c.active + c.delayed + c.prioritized === 0;
      },
      { timeoutMs: 30_000, what: 'the fold queue to drain' },
    );

    const incidents = await ctx.db.query<{
      id: string;
      event_count: number;
      severity: string;
      first_seen_at: Date;
      last_seen_at: Date;
    }>(
      `SELECT id, event_count, severity, first_seen_at, last_seen_at FROM incidents WHERE site_id = $1 AND group_key = 'cyber'`,
      [SITE],
    );
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident.event_count).toBe(EVENTS);
    expect(incident.severity).toBe('critical');
    expect(incident.first_seen_at.toISOString()).toBe(events[0].occurredAt);
    expect(incident.last_seen_at.toISOString()).toBe(events[EVENTS - 1].occurredAt);

    expect(await count('SELECT count(*) AS n FROM incident_events WHERE incident_id = $1', [incident.id])).toBe(EVENTS);
    expect(
      await count(
        `SELECT count(*) AS n FROM events e WHERE e.site_id = $1
            AND (SELECT count(*) FROM incident_events ie WHERE ie.event_id = e.id) <> 1`,
        [SITE],
      ),
    ).toBe(0);

    const seqs = (
      await ctx.db.query<{ seq: string }>('SELECT seq FROM live_messages WHERE site_id = $1 ORDER BY seq', [SITE])
    ).map((r) => Number(r.seq));
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const [stream] = await ctx.db.query<{ last_seq: string }>('SELECT last_seq FROM site_streams WHERE site_id = $1', [
      SITE,
    ]);
    expect(Number(stream.last_seq)).toBe(seqs.length);
    const types = await ctx.db.query<{ type: string; n: string }>(
      'SELECT type, count(*) AS n FROM live_messages WHERE site_id = $1 GROUP BY type ORDER BY type',
      [SITE],
    );
    expect(types.find((t) => t.type === 'opened')?.n).toBe('1');
    // The incident's own record of what joined it adds up too.
    const joined = await ctx.db.query<{ n: string }>(
      `SELECT COALESCE(sum((details->>'eventCount')::int), 0) AS n FROM incident_timeline
        WHERE incident_id = $1 AND action IN ('opened', 'events-joined')`,
      [incident.id],
    );
    expect(Number(joined[0].n)).toBe(EVENTS);

    // (Which job folded what is not asserted: a job that gets the lock also folds the waiting
    // events of its group, so under this contention the first one in usually takes them all.)

    // No fold job failed, not even an attempt that a retry then covered up.
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    expect(await count('SELECT count(*) AS n FROM events WHERE fold_error IS NOT NULL')).toBe(0);
    expect(logger.problems.filter((p) => /fold|Fold/.test(p))).toEqual([]);
  });
});
