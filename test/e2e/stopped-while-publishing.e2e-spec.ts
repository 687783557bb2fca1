import type { QueryResultRow } from 'pg';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { PROBE_SITE, untilIngesting } from '../support/ingest-ready';
import { MosquittoServer } from '../support/mosquitto-server';
import { TestGateway } from '../support/mqtt-gateway';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * OreGuard's MQTT session outlives the process: what gateways publish while it is stopped
 * waits in the broker and is stored, once, when it comes back. 1,000 events are more than
 * Debian's default queue, so this file runs a Mosquitto of its own with the shipped config.
 */
describe('events published while OreGuard is stopped', () => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: OreGuardProcess;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext('stopped-while-publishing');
    broker = new MosquittoServer(await freePort());
    await broker.start();
    oreguard = new OreGuardProcess(ctx.env({ MQTT_URL: broker.url, PORT: String(await freePort()) }));
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await broker?.dispose();
    await ctx?.dispose();
  });

  /** The test's own events: the probe's site is left out. */
  const ours = <R extends QueryResultRow>(sql: string) => ctx.db.query<R>(sql, [PROBE_SITE]);

  it('stores all 1,000 once and folds them after a graceful stop and a restart', async () => {
    // First run: creates the persistent session and its subscription; a probe proves it is in place.
    await oreguard.start();
    await untilIngesting(ctx.topicPrefix, ctx.db, broker.url);

    expect(await oreguard.stop('SIGTERM')).toBe(0);

    const sites = ['kolwezi-1', 'tarkwa-2', 'pilbara-3'];
    gateways.push(
      ...(await Promise.all(sites.map((site) => TestGateway.connect(ctx.topicPrefix, site, 'gw-1', broker.url)))),
    );
    const makers = [aDroneEvent, aCyberEvent, aTheftEvent];
    const published: string[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const batch = Array.from({ length: 100 }, (_, i) => {
        const n = chunk * 100 + i;
        const event = makers[n % 3]({ seq: n + 1 });
        published.push(event.eventId);
        return gateways[n % sites.length].publish(event);
      });
      await Promise.all(batch); // every one PUBACKed by the broker: queued for OreGuard's session
    }
    expect(new Set(published).size).toBe(1000);
    const [whileStopped] = await ours<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE site_id <> $1');
    expect(whileStopped.n).toBe(0);

    await oreguard.start();

    await waitFor(
      async () => {
        const [row] = await ours<{ n: number; folded: number }>(
          'SELECT count(*)::int AS n, count(folded_at)::int AS folded FROM events WHERE site_id <> $1',
        );
        return row.n >= 1000 && row.folded === row.n;
      },
      { timeoutMs: 30_000, what: '1,000 events stored and folded' },
    );
    const [counts] = await ours<{ n: number; distinct_ids: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM events WHERE site_id <> $1',
    );
    expect(counts).toEqual({ n: 1000, distinct_ids: 1000 });
    const stored = await ours<{ event_id: string }>('SELECT event_id FROM events WHERE site_id <> $1');
    expect(new Set(stored.map((r) => r.event_id))).toEqual(new Set(published));
    const [links] = await ours<{ n: number; distinct_events: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT ie.event_id)::int AS distinct_events
         FROM incident_events ie JOIN events e ON e.id = ie.event_id
         JOIN incidents i ON i.id = ie.incident_id AND NOT starts_with(i.group_key, 'rule:')
        WHERE e.site_id <> $1`,
    );
    expect(links).toEqual({ n: 1000, distinct_events: 1000 });
  }, 120_000);
});
