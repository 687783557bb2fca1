import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import type { OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { startTwoInstances, type TwoInstances } from '../support/two-instances';
import { untilCorrelated } from '../support/correlated';
import { waitFor } from '../support/wait-for';

const TOTAL = 2000;
const SITES = ['kolwezi-1', 'tarkwa-2', 'pilbara-3', 'sudbury-4'];

/**
 * Two instances on one database, Redis prefix and broker, splitting the MQTT stream through
 * a shared subscription. Instance A ingests and serves the API but runs no worker; B ingests,
 * serves and folds. So every incident message a console on A receives was committed by B,
 * and reaches A only through the shared live log.
 */
describe('two OreGuard instances sharing the stream', () => {
  let ctx: TestContext;
  let two: TwoInstances | undefined;
  let a: OreGuardProcess;
  let b: OreGuardProcess;
  let gateways: TestGateway[] = [];
  let live: LiveClient | undefined;

  beforeAll(async () => {
    ctx = await createTestContext('two-instances');
    two = await startTwoInstances(ctx);
    ({ a, b } = two);
  });

  afterAll(async () => {
    live?.close();
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await two?.stop();
    await ctx?.dispose();
  });

  const metric = async (instance: OreGuardProcess, pattern: RegExp): Promise<number> => {
    const text = await (await fetch(`${instance.baseUrl}/api/v1/metrics`)).text();
    return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it('stores each event once while both ingest, and a console on A gets every incident B folded, gap-free', async () => {
    const token = await login(a.baseUrl);
    live = await LiveClient.connect(a.baseUrl, token, { resumeAfter: {} });
    gateways = await Promise.all(
      SITES.map((site) => TestGateway.connect(ctx.topicPrefix, site, 'gw-1', two!.broker.url)),
    );

    // Four bursts half an hour apart per site and kind: several incidents per site, each updated many times.
    const now = Date.now();
    const makers = [aDroneEvent, aCyberEvent, aTheftEvent];
    const published: string[] = [];
    for (let chunk = 0; chunk < TOTAL / 100; chunk++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = chunk * 100 + i;
          const occurredAt = new Date(now - (n % 4) * 30 * 60_000 - (n % 97) * 1000).toISOString();
          const event = makers[n % 3]({ seq: n + 1, occurredAt });
          published.push(event.eventId);
          return gateways[Math.floor(n / 7) % SITES.length].publish(event);
        }),
      );
    }

    await waitFor(
      async () => {
        const [row] = await ctx.db.query<{ n: number; unfolded: number }>(
          'SELECT count(*)::int AS n, count(*) FILTER (WHERE folded_at IS NULL)::int AS unfolded FROM events WHERE site_id = ANY($1)',
          [SITES],
        );
        return row.n >= TOTAL && row.unfolded === 0;
      },
      { timeoutMs: 30_000, what: `${TOTAL} events stored and folded` },
    );

    // Each event stored once, and both instances stored some of them.
    const [counts] = await ctx.db.query<{ n: number; distinct_ids: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM events WHERE site_id = ANY($1)',
      [SITES],
    );
    expect(counts).toEqual({ n: TOTAL, distinct_ids: TOTAL });
    const stored = await ctx.db.query<{ event_id: string }>('SELECT event_id FROM events WHERE site_id = ANY($1)', [
      SITES,
    ]);
    expect(new Set(stored.map((r) => r.event_id))).toEqual(new Set(published));
    const acceptedByA = await metric(a, /^oreguard_events_accepted_total\{[^}]*\} (\d+)$/);
    const acceptedByB = await metric(b, /^oreguard_events_accepted_total\{[^}]*\} (\d+)$/);
    expect(acceptedByA).toBeGreaterThan(0);
    expect(acceptedByB).toBeGreaterThan(0);
    expect(acceptedByA + acceptedByB).toBe(TOTAL + 1); // and the probe

    // Only B folds: A opened no incident.
    expect(await metric(a, /^oreguard_incidents_opened_total\{[^}]*\} (\d+)$/)).toBe(0);
    expect(await metric(b, /^oreguard_incidents_opened_total\{[^}]*\} (\d+)$/)).toBeGreaterThan(0);

    // A's console receives every message of every site's log, in order, with no gap (the log
    // read once correlation, which follows folding, has written its part too).
    await untilCorrelated(ctx.db);
    const log = await ctx.db.query<{ site_id: string; seq: number; type: string; incident_id: string }>(
      'SELECT site_id, seq::int AS seq, type, incident_id FROM live_messages WHERE site_id = ANY($1) ORDER BY site_id, seq',
      [SITES],
    );
    const expected = (site: string) =>
      log.filter((m) => m.site_id === site).map((m) => ({ seq: m.seq, type: m.type, id: m.incident_id }));
    await waitFor(() => SITES.every((site) => live!.lastSeq(site) === expected(site).length), {
      timeoutMs: 15_000,
      what: "A's console to receive every site's messages",
    });
    for (const site of SITES) {
      const received = live.forSite(site).map((m) => ({ seq: m.seq, type: m.type, id: m.incident.id }));
      expect(received.length).toBeGreaterThan(1); // several incidents per site, each changed more than once
      expect(received.map((m) => m.seq)).toEqual(Array.from({ length: received.length }, (_, i) => i + 1));
      expect(received).toEqual(expected(site));
    }
    const incidents = await ctx.db.query<{ id: string }>('SELECT id FROM incidents WHERE site_id = ANY($1)', [SITES]);
    const received = live.messages.filter((m) => SITES.includes(m.siteId)).map((m) => m.incident.id);
    expect(new Set(received)).toEqual(new Set(incidents.map((i) => i.id)));
  }, 120_000);
});
