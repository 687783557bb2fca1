import type { QueryResultRow } from 'pg';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { PROBE_SITE, untilIngesting } from '../support/ingest-ready';
import { MosquittoServer } from '../support/mosquitto-server';
import { TestGateway } from '../support/mqtt-gateway';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { untilCorrelated } from '../support/correlated';
import { waitFor } from '../support/wait-for';

const TOTAL = 5000;
const PER_TICK = 20;
const TICK_MS = 5;
const KILL_AT_STORED = 1500;
/** The stream holds here until OreGuard is dead, so the rest is surely published while it is down. */
const HOLD_AT_PUBLISHED = 3000;

/**
 * OreGuard killed outright (SIGKILL: no flush, no goodbye) in the middle of a stream: messages
 * it had received but not committed, committed but not acknowledged, stored but not queued for
 * folding, are all redelivered or re-queued after the restart. Nothing missing, nothing twice.
 */
describe('OreGuard killed while a gateway streams', () => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: OreGuardProcess;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext('crash-while-streaming');
    broker = new MosquittoServer(await freePort());
    await broker.start();
    oreguard = new OreGuardProcess(ctx.env({ MQTT_URL: broker.url, PORT: String(await freePort()) }));
    await oreguard.start();
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await broker?.dispose();
    await ctx?.dispose();
  });

  /** The test's own events: the probe's site is left out. */
  const ours = <R extends QueryResultRow>(sql: string) => ctx.db.query<R>(sql, [PROBE_SITE]);
  const storedCount = async () =>
    (await ours<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE site_id <> $1'))[0].n;

  it('stores each of 5,000 events exactly once and folds each into exactly one incident', async () => {
    await untilIngesting(ctx.topicPrefix, ctx.db, broker.url);

    const sites = ['kolwezi-1', 'tarkwa-2'];
    gateways.push(
      ...(await Promise.all(sites.map((site) => TestGateway.connect(ctx.topicPrefix, site, 'gw-1', broker.url)))),
    );
    const makers = [aDroneEvent, aCyberEvent, aTheftEvent];
    const published: string[] = [];

    let publishedAtKill = -1;
    let exitCode: number | null | undefined;
    const killer = (async () => {
      await waitFor(async () => (await storedCount()) >= KILL_AT_STORED, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: `${KILL_AT_STORED} events stored before the kill`,
      });
      publishedAtKill = published.length;
      exitCode = await oreguard.stop('SIGKILL');
    })();
    void killer.catch(() => undefined); // its failure is reported where it is awaited

    const publishes: Promise<void>[] = [];
    for (let n = 0; n < TOTAL; n += PER_TICK) {
      if (n === HOLD_AT_PUBLISHED) await killer;
      for (let i = n; i < n + PER_TICK; i++) {
        const event = makers[i % 3]({ seq: i + 1 });
        published.push(event.eventId);
        publishes.push(gateways[i % sites.length].publish(event));
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS)); // pacing, not waiting for an outcome
    }
    await Promise.all(publishes); // the broker has every one of them
    await killer;

    expect(exitCode).toBeNull(); // killed by the signal, not exited
    expect(publishedAtKill).toBeGreaterThanOrEqual(KILL_AT_STORED);
    expect(publishedAtKill).toBeLessThan(TOTAL);
    const storedAtRestart = await storedCount();
    expect(storedAtRestart).toBeLessThan(TOTAL);

    await oreguard.start();

    await waitFor(
      async () => {
        const [row] = await ours<{ n: number; unfolded: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded
             FROM events WHERE site_id <> $1`,
        );
        return row.n >= TOTAL && row.unfolded === 0;
      },
      { timeoutMs: 45_000, what: `${TOTAL} events stored and folded after the restart` },
    );

    // Folded: linked to one incident of its kind or drone track (rule incidents link events too).
    const perEvent = await ours<{ event_id: string; copies: number; links: number }>(
      `SELECT e.event_id, count(DISTINCT e.id)::int AS copies, count(i.id)::int AS links
         FROM events e LEFT JOIN incident_events ie ON ie.event_id = e.id
              LEFT JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
        WHERE e.site_id <> $1
        GROUP BY e.event_id`,
    );
    expect(perEvent).toHaveLength(TOTAL);
    expect(new Set(perEvent.map((r) => r.event_id))).toEqual(new Set(published));
    expect(perEvent.filter((r) => r.copies !== 1)).toEqual([]);
    expect(perEvent.filter((r) => r.links !== 1)).toEqual([]);
    const [links] = await ours<{ n: number }>(
      `SELECT count(*)::int AS n FROM incident_events ie JOIN events e ON e.id = ie.event_id
         JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:') WHERE e.site_id <> $1`,
    );
    expect(links.n).toBe(TOTAL);
    const [incidents] = await ours<{ event_total: number }>(
      `SELECT sum(event_count)::int AS event_total FROM incidents WHERE site_id <> $1 AND NOT starts_with(group_key, 'rule:')`,
    );
    expect(incidents.event_total).toBe(TOTAL);

    // Live correlation, killed with the rest, applied every match exactly once: once it has
    // taken every event, each site has one drone-over-breach incident linking exactly its drone
    // and breach events (the stream lasts far less than the rule's 15 minutes).
    await untilCorrelated(ctx.db);
    const coordinated = await ours<{ site_id: string; event_count: number; links: number; expected: number }>(
      `SELECT i.site_id, i.event_count,
              (SELECT count(*)::int FROM incident_events l WHERE l.incident_id = i.id) AS links,
              (SELECT count(*)::int FROM events e WHERE e.site_id = i.site_id AND e.kind IN ('drone', 'theft')) AS expected
         FROM incidents i WHERE i.site_id <> $1 AND i.rule_ids = '{coordinated-intrusion}' ORDER BY i.site_id`,
    );
    expect(coordinated.map((r) => r.site_id)).toEqual(sites);
    for (const row of coordinated) expect(row).toEqual({ ...row, event_count: row.expected, links: row.expected });
  }, 120_000);
});
