import mqtt from 'mqtt';
import { describeSummary, runScenario, type RunSummary } from '../../scripts/simulator/run-scenario';
import { findScenario } from '../../scripts/simulator/scenarios';
import { untilIngesting } from '../support/ingest-ready';
import { login } from '../support/live-client';
import { startInProcess } from '../support/oreguard';
import { restClient } from '../support/rest-client';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * The simulator's scenarios, played fast through the real Mosquitto into an in-process OreGuard
 * with end-to-end confirmations: every message is stored (none rejected), the incidents an
 * operator would see are opened, and the default rules correlate what the scenarios stage.
 */
const SPEED = 2000;
const ZONE = 'Africa/Lubumbashi';

describe('simulator scenarios through OreGuard', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let token: string;
  const runs = new Map<string, RunSummary>();
  const retainedTopics: string[] = [];

  const api = async (path: string) => {
    const res = await fetch(`${oreguard!.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };
  const play = async (name: string, siteId: string) => {
    const scenario = findScenario(name)!;
    for (const g of scenario.gateways)
      retainedTopics.push(`${ctx.topicPrefix}/sites/${siteId}/gateways/${g.gatewayId}/status`);
    const summary = await runScenario(scenario, {
      url: TEST_SERVICES.mqttUrl,
      prefix: ctx.topicPrefix,
      siteId,
      timeZone: ZONE,
      speed: SPEED,
      confirm: true,
    });
    runs.set(name, summary);
    return summary;
  };
  // What the scenario's sensors reported, without OreGuard's own gateway-health signals (a
  // gateway going offline at the end, or by its last will, is a tamper signal and a
  // sensor-health incident of its own).
  const incidentsOf = async (siteId: string): Promise<any[]> =>
    (await api(`/incidents?siteId=${siteId}&limit=50`)).items.filter((i: any) => !i.ruleIds.includes('sensor-health'));
  // The incidents folding opened (a kind's storm, a drone's track), whatever rules escalated them.
  const FOLDED = ['drone-activity', 'cyber-activity', 'theft-activity'];
  const foldedIncidentsOf = async (siteId: string): Promise<any[]> =>
    (await incidentsOf(siteId)).filter((i) => i.ruleIds.some((r: string) => FOLDED.includes(r)));
  const ruleIncident = (siteId: string, ruleId: string) =>
    waitFor(async () => (await incidentsOf(siteId)).find((i) => i.ruleIds[0] === ruleId), {
      what: `a ${ruleId} incident at ${siteId}`,
    });
  const healthIncidentsOf = async (siteId: string): Promise<any[]> =>
    (await api(`/incidents?siteId=${siteId}&ruleId=sensor-health&limit=50`)).items;
  const eventsOf = async (siteId: string): Promise<any[]> =>
    (await api(`/events?siteId=${siteId}&limit=500`)).items.filter((e: any) => e.source !== 'health');

  beforeAll(async () => {
    ctx = await createTestContext('simulator');
    // Material records are judged at once (no settle time) and reconciled every half second.
    oreguard = await startInProcess(ctx.env({ MATERIAL_SETTLE_MS: '0', MATERIAL_RECONCILE_INTERVAL_MS: '500' }));
    await untilIngesting(ctx.topicPrefix, ctx.db);
    token = await login(oreguard.baseUrl);
    await play('night-breach-under-drone', 'sim-night');
    await play('ot-scan-then-tamper', 'sim-ot');
    await play('gateway-dies-mid-theft', 'sim-yard');
    await play('truck-skips-scale-under-drone', 'sim-scale');
  }, 120_000);

  afterAll(async () => {
    await oreguard?.close();
    // The gateways' retained statuses would outlive the test on the shared broker: clear them.
    const client = await mqtt.connectAsync(TEST_SERVICES.mqttUrl, { protocolVersion: 5, reconnectPeriod: 0 });
    for (const topic of retainedTopics) await client.publishAsync(topic, '', { qos: 1, retain: true });
    await client.endAsync();
    await ctx?.dispose();
  });

  it('has every stored message confirmed by OreGuard, none rejected', () => {
    for (const summary of runs.values()) {
      const c = summary.confirmations;
      expect({
        scenario: summary.scenario,
        rejected: c.rejected,
        missing: c.missing,
        rejections: summary.rejections,
      }).toEqual({
        scenario: summary.scenario,
        rejected: 0,
        missing: 0,
        rejections: [],
      });
      // A resend after the reconnect may come back as a duplicate; everything else is stored once.
      expect(c.stored + c.duplicate).toBeGreaterThanOrEqual(summary.stored);
      expect(c.stored).toBeGreaterThan(0);
      expect(describeSummary(summary, true)).toContain(summary.scenario);
    }
    expect(runs.get('gateway-dies-mid-theft')!.held).toBe(3);
  });

  it('keeps no rejected input', async () => {
    expect((await api('/rejected-events?limit=10')).items).toEqual([]);
  });

  it('opens a drone incident and a theft incident for the night breach, with every detection stored', async () => {
    const expected = runs.get('night-breach-under-drone')!.stored;
    await waitFor(async () => (await eventsOf('sim-night')).length === expected, {
      what: `${expected} night-breach events stored`,
    });
    const incidents = await waitFor(
      async () => {
        const items = await foldedIncidentsOf('sim-night');
        const folded = items.reduce((n, i) => n + i.eventCount, 0);
        return folded === expected ? items : undefined;
      },
      { what: 'every night-breach event folded into incidents' },
    );
    expect(
      incidents
        .map((i) => i.kinds)
        .flat()
        .sort(),
    ).toEqual(['drone', 'theft']);
  });

  it('correlates the drone overhead with the fence breach into a critical incident, and escalates the loitering drone', async () => {
    const coordinated = await ruleIncident('sim-night', 'coordinated-intrusion');
    expect(coordinated).toMatchObject({
      severity: 'critical',
      kinds: ['drone', 'theft'],
      title: 'Drone overflight with perimeter breach at sim-night',
    });
    const detail = await api(`/incidents/${coordinated.id}`);
    const kinds = new Set(detail.events.map((e: any) => e.kind));
    expect(kinds).toEqual(new Set(['drone', 'theft']));
    expect(detail.timeline.find((t: any) => t.action === 'rule-matched').details).toMatchObject({
      ruleId: 'coordinated-intrusion',
    });

    const drone = await waitFor(
      async () =>
        (await foldedIncidentsOf('sim-night')).find(
          (i) => i.kinds.includes('drone') && i.ruleIds.includes('drone-loitering'),
        ),
      { what: 'the drone track escalated by drone-loitering' },
    );
    expect(drone.title).toMatch(/^Drone loitering: /);
  });

  it('opens a cyber incident for the scan and login failures, and a theft incident for the PLC cabinet', async () => {
    const events = await waitFor(
      async () => {
        const items = await eventsOf('sim-ot');
        return items.length === runs.get('ot-scan-then-tamper')!.stored ? items : undefined;
      },
      { what: 'every Suricata alert and the tamper stored' },
    );
    const scan = events.filter((e) => e.source === 'suricata' && e.cyber.category === 'scan');
    expect(new Set(scan.map((e) => e.cyber.dstPort)).size).toBeGreaterThan(20);
    expect(events.filter((e) => e.source === 'suricata' && e.cyber.category === 'auth_failure')).toHaveLength(5);
    const incidents = await waitFor(
      async () => {
        const items = await foldedIncidentsOf('sim-ot');
        return items.length === 2 ? items : undefined;
      },
      { what: 'a cyber and a theft incident' },
    );
    expect(
      incidents
        .map((i) => i.kinds)
        .flat()
        .sort(),
    ).toEqual(['cyber', 'theft']);
  });

  it('escalates the cyber incident as a port scan, and correlates the OT attack with the tamper that followed', async () => {
    const cyber = await waitFor(
      async () => (await foldedIncidentsOf('sim-ot')).find((i) => i.ruleIds.includes('port-scan')),
      { what: 'the cyber incident escalated by port-scan' },
    );
    expect(cyber).toMatchObject({
      kinds: ['cyber'],
      severity: 'high',
      title: expect.stringMatching(/^Port scan from one source: /),
    });
    const followed = await ruleIncident('sim-ot', 'ot-cyber-then-theft');
    expect(followed).toMatchObject({ severity: 'critical', kinds: ['cyber', 'theft'] });
    // Five login failures are not a brute force (it takes ten).
    expect((await incidentsOf('sim-ot')).some((i) => i.ruleIds.includes('brute-force'))).toBe(false);
  });

  it('folds what the yard gateway held while it was down into the theft incident, at the times its sensors saw it', async () => {
    const summary = runs.get('gateway-dies-mid-theft')!;
    const incident = await waitFor(
      async () => {
        const [only, ...others] = await foldedIncidentsOf('sim-yard');
        return only && others.length === 0 && only.eventCount === summary.stored ? only : undefined;
      },
      { what: 'one theft incident with every yard event' },
    );
    const detail = await api(`/incidents/${incident.id}`);
    const times = detail.events.map((e: any) => Date.parse(e.occurredAt)).sort((a: number, b: number) => a - b);
    // Sensor time runs from 30 s in to 13 min in: the held events kept theirs, inside that span.
    expect(times[times.length - 1] - times[0]).toBe(12.5 * 60_000);
    expect(Date.parse(incident.firstSeenAt)).toBe(times[0]);
  });

  it('correlates the tamper and the material loss in the ore yard', async () => {
    const loss = await ruleIncident('sim-yard', 'material-loss-after-tamper');
    expect(loss).toMatchObject({ severity: 'high', zones: ['ore-yard'] });
    const detail = await api(`/incidents/${loss.id}`);
    const categories = new Set(detail.events.map((e: any) => e.theft.category));
    expect(categories).toEqual(new Set(['tamper', 'material_loss']));
  });

  it("opens a sensor-health incident for the yard gateway's death (its last will), resolved when it came back", async () => {
    const health = await waitFor(
      async () => {
        const items = await healthIncidentsOf('sim-yard');
        return items.some((i) => i.resolution === 'true_positive') ? items : undefined;
      },
      { what: "the yard gateway's health incident, resolved" },
    );
    expect(health[health.length - 1].title).toMatch(/offline/);
  });

  it('raises the truck that skipped the scale under the drone: one finding, one critical incident with the drone', async () => {
    const coordinated = await waitFor(
      async () => (await incidentsOf('sim-scale')).find((i) => i.ruleIds[0] === 'material-discrepancy-under-drone'),
      {
        timeoutMs: 45_000,
        what: 'a material-discrepancy-under-drone incident at sim-scale',
      },
    );
    expect(coordinated).toMatchObject({ severity: 'critical', kinds: ['drone', 'theft'] });
    const findings = await materialFindingsOf(ctx, 'sim-scale');
    expect(findings).toEqual([{ rule: 'exit-without-ticket', plate: 'CD-9902-KZ' }]);
  });

  it('plays a night scenario run by day in the present: no event is late, and its rule incident opens', async () => {
    // A zone where it is about noon now: the story is told at 02:10 local, the events happen now.
    const offsetHours = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
    const dayZone = offsetHours === 0 ? 'Etc/UTC' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
    const scenario = findScenario('night-breach-under-drone')!;
    for (const g of scenario.gateways)
      retainedTopics.push(`${ctx.topicPrefix}/sites/sim-day/gateways/${g.gatewayId}/status`);
    const lines: string[] = [];
    const summary = await runScenario(scenario, {
      url: TEST_SERVICES.mqttUrl,
      prefix: ctx.topicPrefix,
      siteId: 'sim-day',
      timeZone: dayZone,
      speed: SPEED,
      confirm: true,
      log: (l) => lines.push(l),
    });
    expect(summary.confirmations).toMatchObject({ rejected: 0, missing: 0 });
    expect(lines[1]).toContain('the story is told at 02:10:00 local');
    expect(lines.some((l) => l.startsWith('02:1'))).toBe(true);
    const events = await waitFor(
      async () => {
        const items = await eventsOf('sim-day');
        return items.length === summary.stored ? items : undefined;
      },
      { what: 'every daytime night-breach event stored' },
    );
    expect(events.filter((e) => e.late)).toEqual([]);
    const coordinated = await ruleIncident('sim-day', 'coordinated-intrusion');
    expect(coordinated).toMatchObject({ severity: 'critical', kinds: ['drone', 'theft'] });
  });

  it('signs what its gateways must sign: Suricata and Remote ID scenarios on signing gateways are stored, none rejected', async () => {
    const call = restClient(oreguard!.baseUrl);
    expect(
      (await call(token, 'POST', '/sites', { id: 'sim-signed', name: 'Signed gateways', timeZone: ZONE })).status,
    ).toBe(201);
    const scenarios = ['ot-scan-then-tamper', 'remote-id-stream'].map((name) => findScenario(name)!);
    const secrets: Record<string, string> = {};
    for (const g of scenarios.flatMap((scenario) => scenario.gateways)) {
      if (secrets[g.gatewayId]) continue;
      const created = await call(token, 'POST', '/sites/sim-signed/gateways', { id: g.gatewayId, requireSigned: true });
      expect(created.status).toBe(201);
      secrets[g.gatewayId] = created.body.secret;
      retainedTopics.push(`${ctx.topicPrefix}/sites/sim-signed/gateways/${g.gatewayId}/status`);
    }
    for (const scenario of scenarios) {
      const summary = await runScenario(scenario, {
        url: TEST_SERVICES.mqttUrl,
        prefix: ctx.topicPrefix,
        siteId: 'sim-signed',
        timeZone: ZONE,
        speed: SPEED,
        confirm: true,
        secrets,
      });
      const c = summary.confirmations;
      expect({
        scenario: scenario.name,
        rejected: c.rejected,
        missing: c.missing,
        rejections: summary.rejections,
      }).toEqual({
        scenario: scenario.name,
        rejected: 0,
        missing: 0,
        rejections: [],
      });
      expect(c.stored).toBeGreaterThan(0);
    }
    expect((await api('/rejected-events?limit=10')).items).toEqual([]);
  });
});

/** The material findings kept for a site. */
async function materialFindingsOf(ctx: TestContext, siteId: string): Promise<{ rule: string; plate: string }[]> {
  return ctx.db.query('SELECT rule, plate FROM material_findings WHERE site_id = $1 ORDER BY key', [siteId]);
}
