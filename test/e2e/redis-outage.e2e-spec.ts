import { ConfirmingGateway } from '../support/confirming-gateway';
import { EventStream } from '../support/event-stream';
import { MosquittoServer } from '../support/mosquitto-server';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { RedisServer } from '../support/redis-server';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const RATE = 500; // events per second, from four gateways
const OUTAGE_MS = 5_000;

/**
 * Redis dies (SIGKILL, keeping nothing) under an ingest-only instance while a worker runs
 * elsewhere: ingest must keep committing and confirming at the rate the gateways send, since
 * the events are safe in PostgreSQL; what it could not queue to fold is counted, and folded by
 * the worker's re-queue sweep once Redis is back. Redis and Mosquitto are this file's own.
 */
describe('Redis dies under an ingest-only instance', () => {
  let ctx: TestContext;
  let redis: RedisServer;
  let broker: MosquittoServer;
  let ingest: OreGuardProcess;
  let worker: OreGuardProcess;
  const gateways: ConfirmingGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext('redis-outage');
    redis = new RedisServer(await freePort());
    broker = new MosquittoServer(await freePort());
    await Promise.all([redis.start(), broker.start()]);
    const env = (roles: string, port: number, suffix: string) =>
      ctx.env({
        OREGUARD_ROLES: roles,
        PORT: String(port),
        REDIS_URL: redis.url,
        MQTT_URL: broker.url,
        MQTT_CLIENT_ID: `${ctx.name}-${suffix}`,
        REQUEUE_INTERVAL_MS: '2000',
        REQUEUE_AFTER_MS: '1000',
        LOG_LEVEL: 'info',
      });
    ingest = new OreGuardProcess(env('api,ingest', await freePort(), 'a'));
    worker = new OreGuardProcess(env('api,worker', await freePort(), 'b'));
    await Promise.all([ingest.start(), worker.start()]);
  }, 90_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await ingest?.stop('SIGKILL');
    await worker?.stop('SIGKILL');
    await broker?.dispose();
    await redis?.dispose();
    await ctx?.dispose();
  });

  const deferred = async () => {
    const text = await (await fetch(`${ingest.baseUrl}/api/v1/metrics`)).text();
    return Number(/^oreguard_fold_enqueue_deferred_total (\d+)/m.exec(text)?.[1] ?? 0);
  };

  it('keeps confirming at the sending rate through a 5 s outage, then folds every event once', async () => {
    for (const site of ['kolwezi-1', 'tarkwa-2']) {
      for (const gw of ['gw-1', 'gw-2'])
        gateways.push(await ConfirmingGateway.connect(ctx.topicPrefix, site, gw, { url: broker.url }));
    }
    const stream = new EventStream(gateways, RATE);
    stream.start();
    await waitFor(() => stream.confirmed >= RATE, {
      timeoutMs: 20_000,
      what: 'the stream confirmed before the outage',
    });

    await redis.stop();
    const sentAtKill = stream.sent.length;
    const confirmedAtKill = stream.confirmed;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    const probe = await fetch(`${ingest.baseUrl}/api/v1/health/ready`);
    expect(probe.status).toBe(503);
    expect(((await probe.json()) as { checks: Record<string, string> }).checks.redis).toMatch(/^down/);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    // Everything sent up to a second before now is confirmed: ingest did not wait for Redis.
    const sentDuring = stream.sent.length - sentAtKill;
    const confirmedDuring = stream.confirmed - confirmedAtKill;
    expect(confirmedDuring).toBeGreaterThanOrEqual(sentDuring - RATE);
    expect(await deferred()).toBeGreaterThan(0);
    expect(ingest.exited || worker.exited).toBe(false);

    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stream.stop();
    await Promise.all(gateways.map((g) => g.waitAllConfirmed(20_000)));
    expect(stream.rejected).toBe(0);

    await waitFor(
      async () => {
        const [row] = await ctx.db.query<{ n: number; unfolded: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded FROM events WHERE site_id <> 'ingest-probe'`,
        );
        return row.n === stream.sent.length && row.unfolded === 0;
      },
      { timeoutMs: 30_000, what: 'every event stored and folded after Redis returned' },
    );
    const links = await ctx.db.query<{ links: number; n: number }>(
      `SELECT links, count(*)::int AS n FROM (
         SELECT e.id, count(i.id)::int AS links FROM events e
           LEFT JOIN incident_events ie ON ie.event_id = e.id
           LEFT JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
          WHERE e.site_id <> 'ingest-probe' GROUP BY e.id) per_event GROUP BY links`,
    );
    expect(links).toEqual([{ links: 1, n: stream.sent.length }]);
    expect(ingest.output).toContain('Lost the connection to Redis');
    expect(ingest.output).toContain('Redis answers again');
    process.stdout.write(
      `redis outage: ${sentDuring} sent and ${confirmedDuring} confirmed during ${OUTAGE_MS / 1000} s without Redis, ` +
        `${await deferred()} events left to the re-queue sweep, ${stream.sent.length} in all\n`,
    );
  }, 120_000);

  it('stops promptly on SIGTERM while Redis is away', async () => {
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const [ingestCode, workerCode] = await Promise.all([ingest.stop('SIGTERM'), worker.stop('SIGTERM')]);
    expect({ ingestCode, workerCode }).toEqual({ ingestCode: 0, workerCode: 0 });
    expect(Date.now() - started).toBeLessThan(8_000); // the grace is 15 s: it was all used before
  }, 30_000);
});
