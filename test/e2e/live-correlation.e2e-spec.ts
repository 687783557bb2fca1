import { CorrelatorService } from '../../src/correlation/correlator.service';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { untilCorrelated } from '../support/correlated';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

type Running = Awaited<ReturnType<typeof startInProcess>>;

/**
 * The default rules on live events, through the real broker, PostgreSQL and Redis: a match
 * escalates the incident holding its events, or opens one of its own when they lie in several;
 * the engine's state survives a restart (rebuilt from stored events); one instance of several
 * correlates, and another takes over when it stops; a breach in a zone whose camera is offline
 * is raised with the reason.
 */
describe('live correlation with the default rules', () => {
  let ctx: TestContext;
  const running: Running[] = [];
  const gateways: TestGateway[] = [];
  let live: LiveClient | undefined;

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const start = async (overrides: Record<string, string> = {}) => {
    const oreguard = await startInProcess(
      ctx.env({ CORRELATOR_INTERVAL_MS: '50', CORRELATOR_LEASE_RETRY_MS: '200', ...overrides }),
    );
    running.push(oreguard);
    return oreguard;
  };
  const stop = async (oreguard: Running) => {
    running.splice(running.indexOf(oreguard), 1);
    await oreguard.close();
  };
  const gateway = async (site: string, id = 'gw-1') => {
    const g = await TestGateway.connect(ctx.topicPrefix, site, id);
    gateways.push(g);
    return g;
  };
  const incidents = (site: string) =>
    ctx.db.query<{
      id: string;
      group_key: string;
      title: string;
      severity: string;
      rule_ids: string[];
      kinds: string[];
      event_count: number;
    }>(
      'SELECT id, group_key, title, severity, rule_ids, kinds, event_count FROM incidents WHERE site_id = $1 ORDER BY opened_at',
      [site],
    );
  const linkedEventIds = async (incidentId: string) =>
    (
      await ctx.db.query<{ event_id: string }>(
        'SELECT e.event_id FROM incident_events l JOIN events e ON e.id = l.event_id WHERE l.incident_id = $1',
        [incidentId],
      )
    ).map((r) => r.event_id);
  const timeline = (incidentId: string) =>
    ctx.db.query<{ action: string; details: any }>(
      'SELECT action, details FROM incident_timeline WHERE incident_id = $1 ORDER BY chain_seq',
      [incidentId],
    );

  beforeAll(async () => {
    ctx = await createTestContext('live_correlation');
  });

  // A test that fails before stopping its instances must not leave one holding the lease for the next.
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
  });

  afterAll(async () => {
    live?.close();
    for (const g of gateways) await g.close();
    for (const r of [...running]) await r.close();
    await ctx?.dispose();
  });

  it('escalates the cyber incident holding ten login failures from one source, on its timeline and live', async () => {
    const oreguard = await start();
    live = await LiveClient.connect(oreguard.baseUrl, await login(oreguard.baseUrl));
    const g = await gateway('brute-1');
    const failures = Array.from({ length: 10 }, (_, i) =>
      aCyberEvent({
        severity: 'low',
        occurredAt: minutesAgo(1.5 - i * 0.1),
        cyber: {
          category: 'auth_failure',
          signature: 'SSH login failed',
          srcIp: '10.9.9.9',
          dstIp: '10.30.1.7',
          dstPort: 22,
          protocol: 'TCP',
          network: 'it',
        },
      }),
    );
    // Nine are not a brute force yet.
    for (const e of failures.slice(0, 9)) await g.publish(e);
    await waitFor(async () => (await incidents('brute-1'))[0]?.event_count === 9, { what: 'nine failures folded' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await incidents('brute-1'))[0]).toMatchObject({ severity: 'low', rule_ids: ['cyber-activity'] });

    await g.publish(failures[9]);
    const [escalated, ...others] = await waitFor(
      async () => {
        const list = await incidents('brute-1');
        return list[0]?.rule_ids.includes('brute-force') ? list : undefined;
      },
      { what: 'the cyber incident escalated by brute-force' },
    );
    expect(others).toEqual([]);
    expect(escalated).toMatchObject({ severity: 'high', rule_ids: ['cyber-activity', 'brute-force'], event_count: 10 });
    expect(escalated.title).toMatch(/^Brute force from one source: Cyber activity at brute-1/);
    const entries = await timeline(escalated.id);
    const matched = entries.find((e) => e.action === 'rule-matched')!;
    expect(matched.details).toMatchObject({
      ruleId: 'brute-force',
      group: { 'cyber.srcIp': '10.9.9.9' },
      eventCount: 10,
      severity: { from: 'low', to: 'high' },
    });
    expect(matched.details.reason).toContain('brute-force');
    expect(entries.some((e) => e.action === 'escalated')).toBe(true);
    await waitFor(
      () =>
        live!
          .forSite('brute-1')
          .find((m) => m.type === 'escalated' && (m.incident.ruleIds as string[]).includes('brute-force')),
      {
        what: 'an escalated live message',
      },
    );
    // Nothing more to say when the same brute force goes on.
    const before = entries.length;
    await g.publish(aCyberEvent({ severity: 'low', cyber: failures[0].cyber, occurredAt: minutesAgo(0.5) }));
    await waitFor(async () => (await incidents('brute-1'))[0].event_count === 11, {
      what: 'the eleventh failure folded',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await timeline(escalated.id)).filter((e) => e.action === 'rule-matched')).toHaveLength(1);
    expect((await timeline(escalated.id)).length).toBe(before + 1); // its events-joined

    const metrics = await (await fetch(`${oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_rule_matches_total\{rule="brute-force"\} [1-9]/m);
    expect(metrics).toMatch(/^oreguard_correlation_pending_events 0$/m);
    // The rule changes written (the escalation at least) were timed from their newest event.
    const ruleLatency = (part: string) =>
      Number(new RegExp(`^oreguard_rule_incident_seconds_${part} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(ruleLatency('count')).toBeGreaterThanOrEqual(1);
    expect(ruleLatency('sum')).toBeGreaterThan(0);
    expect(ruleLatency('sum') / ruleLatency('count')).toBeLessThan(30);
    // The engine still holds the failures (their window has not passed), in at least the brute-force group.
    const held = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(held('oreguard_correlation_state_signals')).toBeGreaterThanOrEqual(11);
    expect(held('oreguard_correlation_state_groups')).toBeGreaterThanOrEqual(1);
    await stop(oreguard);
  });

  it('opens an incident of its own for a drone and a breach, across a restart, and lets later events join it', async () => {
    let oreguard = await start();
    let g = await gateway('coord-1');
    const drone = aDroneEvent({
      occurredAt: minutesAgo(12),
      drone: { detection: 'rf', position: { lat: -10.7, lon: 25.4 }, trackId: 'trk-77' },
    });
    await g.publish(drone);
    await waitFor(async () => (await incidents('coord-1')).length === 1, { what: 'the drone incident' });
    // The drone is in the engine's state only; a new instance must rebuild it from the stored events.
    await g.close();
    await stop(oreguard);
    oreguard = await start();
    g = await gateway('coord-1');
    const breach = aTheftEvent({ occurredAt: minutesAgo(2) });
    await g.publish(breach);
    const rule = await waitFor(
      async () => (await incidents('coord-1')).find((i) => i.group_key.startsWith('rule:coordinated-intrusion')),
      { what: 'a coordinated-intrusion incident' },
    );
    expect(rule).toMatchObject({
      severity: 'critical',
      rule_ids: ['coordinated-intrusion'],
      title: 'Drone overflight with perimeter breach at coord-1',
      event_count: 2,
    });
    expect((await linkedEventIds(rule.id)).sort()).toEqual([drone.eventId, breach.eventId].sort());
    // The drone (raised to high as non-cooperative) and the breach incidents stay as they were.
    expect(
      (await incidents('coord-1'))
        .filter((i) => !i.group_key.startsWith('rule:'))
        .map((i) => [i.kinds[0], i.severity, i.rule_ids]),
    ).toEqual([
      ['drone', 'high', ['drone-activity']],
      ['theft', 'high', ['theft-activity']],
    ]);

    const later = aDroneEvent({
      occurredAt: minutesAgo(1),
      drone: { detection: 'rf', position: { lat: -10.7, lon: 25.4 }, trackId: 'trk-77' },
    });
    await g.publish(later);
    await waitFor(async () => (await incidents('coord-1')).find((i) => i.id === rule.id)!.event_count === 3, {
      what: 'the later drone joined',
    });
    expect((await incidents('coord-1')).filter((i) => i.group_key.startsWith('rule:'))).toHaveLength(1);
    expect((await timeline(rule.id)).map((e) => e.action)).toEqual(['rule-matched', 'events-joined']);
    // Its timeline is hash-chained like every other.
    const token = await login(oreguard.baseUrl);
    const verify = await fetch(`${oreguard.baseUrl}/api/v1/incidents/${rule.id}/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await verify.json()).toMatchObject({ intact: true, entries: 2 });
    await stop(oreguard);
  });

  it("takes a rule's events when their fold commits, not at its next poll, and looks again when an older transaction hid them", async () => {
    // Polling ten minutes apart: only the folds' announcement (events-settled.ts) can wake it in time.
    const oreguard = await start({ CORRELATOR_INTERVAL_MS: '600000' });
    await waitFor(() => oreguard.app.get(CorrelatorService).live || undefined, { what: 'the instance correlating' });
    const g = await gateway('wake-1');
    const drone = () =>
      aDroneEvent({
        occurredAt: minutesAgo(3),
        drone: { detection: 'rf', position: { lat: -10.7, lon: 25.4 }, trackId: 'trk-9' },
      });
    await g.publish(drone());
    await untilCorrelated(ctx.db, 20_000);
    await g.publish(aTheftEvent({ occurredAt: minutesAgo(2) }));
    const isRule = (i: { group_key: string }) => i.group_key.startsWith('rule:coordinated-intrusion');
    await waitFor(async () => (await incidents('wake-1')).find(isRule), {
      what: 'the coordinated-intrusion incident, woken by the fold',
    });

    // A transaction left open (with an id) hides what commits after it from the correlator: it
    // is woken but may take nothing yet. The transaction then ends with no fold to announce
    // it; the correlator, having seen events wait behind it, looks again without the poll.
    const g2 = await gateway('wake-2');
    const blocker = await ctx.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      await g2.publish(drone());
      await g2.publish(aTheftEvent({ occurredAt: minutesAgo(2) }));
      await waitFor(async () => (await incidents('wake-2')).length === 2, { what: 'the drone and the breach folded' });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the wake has come and gone
      expect((await incidents('wake-2')).filter(isRule)).toEqual([]);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    await waitFor(async () => (await incidents('wake-2')).find(isRule), {
      what: 'the coordinated-intrusion incident, once the older transaction ended',
    });
    await stop(oreguard);
  });

  it('correlates in one instance of two, and in the other once the first stops', async () => {
    const a = await start();
    const b = await start({ MQTT_CLIENT_ID: `${ctx.name}-b` });
    await waitFor(() => a.app.get(CorrelatorService).live || undefined, { what: 'the first instance correlating' });
    expect(b.app.get(CorrelatorService).live).toBe(false);
    await stop(a);
    await waitFor(() => b.app.get(CorrelatorService).live || undefined, { what: 'the second instance taking over' });

    const g = await gateway('scan-1');
    for (let port = 1; port <= 20; port++) {
      await g.publish(
        aCyberEvent({
          occurredAt: minutesAgo(0.5),
          cyber: { ...aCyberEvent().cyber, srcIp: '10.1.1.1', dstPort: port },
        }),
      );
    }
    const scan = await waitFor(async () => (await incidents('scan-1')).find((i) => i.rule_ids.includes('port-scan')), {
      what: 'the cyber incident escalated by port-scan',
    });
    expect(scan).toMatchObject({ event_count: 20, severity: 'high' });
    await stop(b);
  });

  it('takes the lease again when its session is killed, and correlates what came meanwhile', async () => {
    const oreguard = await start();
    const correlator = oreguard.app.get(CorrelatorService);
    await waitFor(() => correlator.live || undefined, { what: 'the instance correlating' });
    const leaseSession = () =>
      ctx.db.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'oreguard-correlator'",
      );
    const [before] = await leaseSession();
    const g = await gateway('lease-1');
    // Killed while it steps (it polls every 50 ms here): its session, its lock and its LISTEN go.
    await ctx.db.query('SELECT pg_terminate_backend($1)', [before.pid]);
    await g.publish(
      aDroneEvent({
        occurredAt: minutesAgo(2),
        drone: { detection: 'rf', position: { lat: -10.7, lon: 25.4 }, trackId: 'trk-5' },
      }),
    );
    await g.publish(aTheftEvent({ occurredAt: minutesAgo(1) }));
    await waitFor(
      async () => (await incidents('lease-1')).find((i) => i.group_key.startsWith('rule:coordinated-intrusion')),
      { what: 'the coordinated-intrusion incident, from the lease taken again' },
    );
    const after = await leaseSession();
    expect(after).toHaveLength(1);
    expect(after[0].pid).not.toBe(before.pid);
    expect(correlator.live).toBe(true);
    await untilCorrelated(ctx.db, 20_000);
    await stop(oreguard);
  });

  it('raises a breach in a zone whose camera is offline, saying why', async () => {
    const oreguard = await start();
    const g = await gateway('blind-1');
    // The camera covers north-fence (learned from its event), then its sensor reports a fault.
    await g.publish(
      aTheftEvent({
        sensorId: 'cam-2',
        severity: 'low',
        occurredAt: minutesAgo(30),
        theft: { category: 'unauthorized_access', description: 'Person seen' },
      }),
    );
    await g.publish(
      { state: 'online', at: minutesAgo(10), sensors: [{ sensorId: 'cam-2', state: 'fault' }] },
      'status',
      { retain: true },
    );
    await waitFor(async () => (await incidents('blind-1')).some((i) => i.rule_ids.includes('sensor-health')), {
      what: 'the camera fault',
    });
    const breach = aTheftEvent({ sensorId: 'fence-4', severity: 'high', occurredAt: minutesAgo(2) });
    await g.publish(breach);
    const raised = await waitFor(
      async () => (await incidents('blind-1')).find((i) => i.rule_ids.includes('breach-in-blind-zone')),
      { what: 'the breach raised by breach-in-blind-zone' },
    );
    expect(raised.severity).toBe('critical');
    const matched = (await timeline(raised.id)).find((e) => e.action === 'rule-matched')!;
    expect(matched.details.reason).toContain('while cam-2 was offline');
    await g.publishRaw(`${ctx.topicPrefix}/sites/blind-1/gateways/gw-1/status`, '', { retain: true });
    await stop(oreguard);
  });
});
