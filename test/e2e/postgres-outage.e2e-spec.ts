import { Db } from '../../src/database/db';
import { ConfirmingGateway } from '../support/confirming-gateway';
import { EventStream } from '../support/event-stream';
import { MosquittoServer } from '../support/mosquitto-server';
import { LiveClient, login } from '../support/live-client';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { PostgresServer } from '../support/postgres-server';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

const RATE = 500; // events per second, from four gateways
const DATABASE = 'oreguard_outage';
const PASSWORD = 'not-for-logs-7f3a';

/**
 * OreGuard's PostgreSQL crashes (`pg_ctl stop -m immediate`) while four gateways stream and
 * keep every event until it is confirmed. OreGuard must not die with it: it stops confirming,
 * says so in readiness, and once PostgreSQL is back it confirms again within seconds, the
 * backlog drains, and every event is stored and folded exactly once. OreGuard started while
 * PostgreSQL is not there yet waits for it, logging where it looks but never the password.
 * The PostgreSQL, Mosquitto and Redis key prefix are this file's own.
 */
describe('PostgreSQL crashes while gateways stream', () => {
  let postgres: PostgresServer;
  let broker: MosquittoServer;
  let oreguard: OreGuardProcess;
  let db: Db;
  const gateways: ConfirmingGateway[] = [];
  /** Events the first test sent (and saw stored). */
  let sentBefore = 0;
  /** An operator console watching both sites throughout: it must miss and repeat nothing. */
  let live: LiveClient | undefined;
  const SITES = ['kolwezi-1', 'tarkwa-2'];

  /** Each site's live messages as the console got them are exactly 1..the site's last seq in the log. */
  const expectGapFreeLive = async (client: LiveClient, earlier: Record<string, number[]> = {}) => {
    for (const site of SITES) {
      const lastInLog = async () =>
        (
          await db.query<{ last: number }>(
            'SELECT coalesce(max(seq), 0)::int AS last FROM live_messages WHERE site_id = $1',
            [site],
          )
        )[0]!.last;
      // Read again at each try: the correlator may still add messages (rule incidents) meanwhile.
      let last = 0;
      await waitFor(async () => client.lastSeq(site) === (last = await lastInLog()), {
        timeoutMs: 15_000,
        what: `the console at the last seq of ${site}`,
      });
      const seqs = [...(earlier[site] ?? []), ...client.forSite(site).map((m) => m.seq)];
      expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    }
  };
  const prefix = `test/pg-outage-${process.pid}`;
  const queuePrefix = `test-pg-outage-${process.pid}`;

  beforeAll(async () => {
    postgres = new PostgresServer(await freePort());
    broker = new MosquittoServer(await freePort());
    await Promise.all([postgres.start(), broker.start()]);
    oreguard = new OreGuardProcess({
      NODE_ENV: 'test',
      PORT: String(await freePort()),
      // trust authentication takes any password: this one must never reach a log line
      DATABASE_URL: postgres.url(DATABASE, PASSWORD),
      REDIS_URL: TEST_SERVICES.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      MQTT_URL: broker.url,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_CLIENT_ID: `oreguard-${queuePrefix}`,
      JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
      OREGUARD_ADMIN_USERNAME: 'admin',
      OREGUARD_ADMIN_PASSWORD: 'admin-password',
      ESCALATE_AFTER: 'off',
      LOG_LEVEL: 'info',
    });
    await oreguard.start();
    db = new Db(postgres.url(DATABASE), 2);
  }, 90_000);

  afterAll(async () => {
    live?.close();
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await db?.close().catch(() => undefined);
    await broker?.dispose();
    postgres?.dispose();
    const { deleteRedisKeys } = await import('../support/test-context');
    await deleteRedisKeys(queuePrefix);
  });

  const ready = async () => {
    const res = await fetch(`${oreguard.baseUrl}/api/v1/health/ready`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };

  it('keeps running, stops confirming, and within 5 s of its return confirms and stores every event once', async () => {
    live = await LiveClient.connect(oreguard.baseUrl, await login(oreguard.baseUrl), {
      resumeAfter: Object.fromEntries(SITES.map((s) => [s, 0])),
    });
    for (const site of SITES) {
      for (const gw of ['gw-1', 'gw-2'])
        gateways.push(await ConfirmingGateway.connect(prefix, site, gw, { url: broker.url, resendAfterMs: 3000 }));
    }
    const stream = new EventStream(gateways, RATE);
    stream.start();
    await waitFor(() => stream.confirmed >= RATE, { timeoutMs: 20_000, what: 'the stream confirmed before the crash' });

    postgres.stop('immediate');
    const crashedAt = Date.now();
    // Confirmations still on their way settle, then none come while PostgreSQL is away.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const confirmedDuringOutage = stream.confirmed;
    const probe = await ready();
    expect(probe.status).toBe(503);
    expect(probe.body.checks.postgres).toMatch(/^down/);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(oreguard.exited).toBe(false);
    expect(stream.confirmed).toBe(confirmedDuringOutage);

    await postgres.start();
    const backAt = Date.now();
    await waitFor(() => stream.confirmed > confirmedDuringOutage, {
      timeoutMs: 5_000,
      intervalMs: 50,
      what: 'confirmations to resume within 5 s of PostgreSQL answering',
    });
    const resumedAfterMs = Date.now() - backAt;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stream.stop();
    await Promise.all(gateways.map((g) => g.waitAllConfirmed(30_000)));
    await waitFor(async () => (await ready()).status === 200, { timeoutMs: 10_000, what: 'OreGuard ready again' });

    expect(stream.rejected).toBe(0);
    const [row] = await db.query<{ n: number; distinct_ids: number; unfolded: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids,
              count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded FROM events`,
    );
    expect(row.n).toBe(stream.sent.length);
    expect(row.distinct_ids).toBe(stream.sent.length);
    await waitFor(async () => (await db.query('SELECT 1 FROM events WHERE folded_at IS NULL LIMIT 1')).length === 0, {
      timeoutMs: 20_000,
      what: 'every event folded',
    });
    // Each event in exactly one incident of its own kind or drone track: none duplicated.
    const links = await db.query<{ links: number; n: number }>(
      `SELECT links, count(*)::int AS n FROM (
         SELECT e.id, count(i.id)::int AS links FROM events e
           LEFT JOIN incident_events ie ON ie.event_id = e.id
           LEFT JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
          GROUP BY e.id) per_event GROUP BY links`,
    );
    expect(links).toEqual([{ links: 1, n: stream.sent.length }]);
    // The console connected throughout got every live message of both sites once, in order.
    await expectGapFreeLive(live);
    expect(oreguard.output).toContain('Lost a connection to PostgreSQL');
    expect(oreguard.output).toContain('PostgreSQL answers again');
    expect(oreguard.output).not.toContain(PASSWORD);
    sentBefore = stream.sent.length;
    process.stdout.write(
      `postgres outage: ${stream.sent.length} sent, ${stream.confirmed} confirmed, down ${((backAt - crashedAt) / 1000).toFixed(1)} s, ` +
        `confirming again ${resumedAfterMs} ms after PostgreSQL answered, ${gateways.reduce((n, g) => n + g.resends, 0)} resends\n`,
    );
  }, 120_000);

  it('stops promptly on SIGTERM with PostgreSQL away, then at start-up waits for it, naming where it looks but never the password', async () => {
    const before = Object.fromEntries(SITES.map((site) => [site, live!.forSite(site).map((m) => m.seq)]));
    live!.close();
    postgres.stop('immediate');
    const stream = new EventStream(gateways, RATE / 2);
    stream.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopping = Date.now();
    expect(await oreguard.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8_000); // its grace is 15 s

    oreguard.output = '';
    const starting = oreguard.start();
    await waitFor(
      () => /PostgreSQL at 127\.0\.0\.1:\d+, database oreguard_outage is not answering/.test(oreguard.output),
      {
        timeoutMs: 10_000,
        what: 'a logged try naming the server and database',
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(oreguard.exited).toBe(false);
    await postgres.start();
    await starting;
    expect((await ready()).status).toBe(200);
    expect(oreguard.output.match(/is not answering/g)!.length).toBeGreaterThanOrEqual(2);
    expect(oreguard.output).not.toContain(PASSWORD);

    // What was sent while it was away or stopping is confirmed and stored once after all.
    stream.stop();
    await Promise.all(gateways.map((g) => g.waitAllConfirmed(30_000)));
    const [row] = await db.query<{ n: number; distinct_ids: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM events',
    );
    expect(row).toEqual({ n: sentBefore + stream.sent.length, distinct_ids: sentBefore + stream.sent.length });
    // A console that resumes after the restart from where it was gets the rest, once each.
    const resumeAfter = Object.fromEntries(SITES.map((site) => [site, before[site].at(-1) ?? 0]));
    live = await LiveClient.connect(oreguard.baseUrl, await login(oreguard.baseUrl), { resumeAfter });
    await waitFor(async () => (await db.query('SELECT 1 FROM events WHERE folded_at IS NULL LIMIT 1')).length === 0, {
      timeoutMs: 20_000,
      what: 'every event folded',
    });
    await expectGapFreeLive(live, before);
  }, 90_000);
});
