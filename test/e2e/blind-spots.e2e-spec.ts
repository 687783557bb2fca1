import mqtt, { type MqttClient } from 'mqtt';
import { checkEvidenceBundle } from '../../src/audit/evidence-bundle';
import { aDroneEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';

/**
 * Blind spots over Mosquitto: a sensor fault and its recovery, a gateway's last will, seq gaps,
 * coverage set by an admin, blind zones now and at a past time, another site's operator kept
 * out; then a restart with a short heartbeat interval: the silent gateway goes offline, and the
 * retained statuses handed over again open nothing twice.
 */
describe('blind spots', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let admin: string;
  let gateway: TestGateway | undefined;
  let live: LiveClient | undefined;
  let willClient: MqttClient | undefined;
  const t0 = Date.now() - 60_000;
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();

  const call = async (token: string, method: string, path: string, body?: object) => {
    const res = await fetch(`${oreguard!.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const healthIncidents = () =>
    ctx.db.query<{ id: string; title: string; status: string; resolution: string | null; group_key: string }>(
      `SELECT id, title, status, resolution, group_key FROM incidents WHERE 'sensor-health' = ANY(rule_ids) ORDER BY opened_at`,
    );
  const tamperEvents = () =>
    ctx.db.query<{ sensor_id: string; zone: string | null; details: any }>(
      `SELECT sensor_id, zone, details FROM events WHERE source = 'health' ORDER BY id`,
    );

  beforeAll(async () => {
    ctx = await createTestContext('blind-spots');
  });

  afterAll(async () => {
    live?.close();
    willClient?.end(true);
    // Retained statuses are the broker's, not the database's: clear them.
    if (gateway) {
      for (const gw of ['gw-1', 'gw-2']) {
        await gateway.publishRaw(`${ctx.topicPrefix}/sites/${SITE}/gateways/${gw}/status`, '', { retain: true });
      }
      await gateway.close();
    }
    await oreguard?.close();
    await ctx?.dispose();
  });

  it('raises and clears a sensor fault, a last will, seq gaps and blind zones; keeps another site out', async () => {
    oreguard = await startInProcess(ctx.env());
    admin = await login(oreguard.baseUrl);
    live = await LiveClient.connect(oreguard.baseUrl, admin, { resumeAfter: { [SITE]: 0 } });
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');

    // Coverage is learned from events; seq 1, 2, 5 leaves 3..4 unstored, the late 3 fills its
    // part: 4 stays pending (not reported, so not missing) within the grace window.
    for (const seq of [1, 2, 5, 3])
      await gateway.publish(aDroneEvent({ sensorId: 'rf-mast-2', zone: 'tailings-east', seq }));
    await waitFor(() => ctx.db.query('SELECT 1 FROM events WHERE seq = 3').then((r) => r.length === 1), {
      what: 'the four events',
    });
    const gateways = await call(admin, 'GET', `/sites/${SITE}/gateways`);
    expect(gateways.body.items[0]).toMatchObject({
      gatewayId: 'gw-1',
      lastSeq: 5,
      seqGaps: {
        count: 0,
        missing: 0,
        recent: [],
        pending: { count: 1, missing: 1, ranges: [{ fromSeq: 4, toSeq: 4 }] },
      },
    });

    // Online with its sensor ok: nothing raised. Then the sensor faults.
    const status = (s: number, sensor: string) => ({
      state: 'online',
      at: at(s),
      sensors: [{ sensorId: 'rf-mast-2', state: sensor }],
    });
    await gateway.publish(status(1, 'ok'), 'status', { retain: true });
    await gateway.publish(status(2, 'fault'), 'status', { retain: true });
    const health = (type: string) =>
      live!.forSite(SITE).find((m) => m.type === type && (m.incident.ruleIds as string[]).includes('sensor-health'));
    const opened = await waitFor(() => health('opened'), { what: 'an opened sensor-health live message' });
    expect(opened.incident).toMatchObject({
      title: 'Sensor rf-mast-2 fault at kolwezi-1 (zone tailings-east)',
      ruleIds: ['sensor-health'],
      severity: 'high',
      status: 'open',
    });
    expect(await tamperEvents()).toMatchObject([
      {
        sensor_id: 'rf-mast-2',
        zone: 'tailings-east',
        details: { category: 'tamper', description: expect.stringContaining('went fault') },
      },
    ]);
    expect((await call(admin, 'GET', `/sites/${SITE}/blind-zones`)).body.zones).toEqual(['tailings-east']);

    // Recovery resolves it, on the timeline and live.
    await gateway.publish(status(3, 'ok'), 'status', { retain: true });
    const resolved = await waitFor(() => health('resolved'), { what: 'a resolved live message' });
    expect(resolved.incident).toMatchObject({
      id: opened.incident.id,
      status: 'resolved',
      resolution: 'true_positive',
    });
    const detail = await call(admin, 'GET', `/incidents/${opened.incident.id}`);
    expect(detail.body.timeline.map((e: any) => e.action)).toEqual(['opened', 'resolved']);
    expect(detail.body.events).toHaveLength(1);
    // The tamper event OreGuard wrote from the status report is bound into the chain by that report's hash.
    const bundle = await call(admin, 'GET', `/incidents/${opened.incident.id}/evidence`);
    const keys = await call(admin, 'GET', '/evidence/keys');
    expect(checkEvidenceBundle(bundle.body, { publicKey: keys.body.items[0].publicKey })).toMatchObject({
      ok: true,
      eventsNotDerivable: 1,
    });
    expect((await call(admin, 'GET', `/sites/${SITE}/blind-zones`)).body.zones).toEqual([]);
    // At a time inside the fault, the zone was blind; before it, not.
    expect(
      (await call(admin, 'GET', `/sites/${SITE}/blind-zones?at=${encodeURIComponent(at(2.5))}`)).body.zones,
    ).toEqual(['tailings-east']);
    expect(
      (await call(admin, 'GET', `/sites/${SITE}/blind-zones?at=${encodeURIComponent(at(1.5))}`)).body.zones,
    ).toEqual([]);

    // An admin says what the sensor covers.
    const set = await call(admin, 'PUT', `/sites/${SITE}/sensors/rf-mast-2/zones`, {
      zones: ['crusher-yard', 'tailings-east'],
    });
    expect(set.status).toBe(200);
    const sensors = await call(admin, 'GET', `/sites/${SITE}/sensors`);
    expect(sensors.body.items.find((s: any) => s.sensorId === 'rf-mast-2').zones).toEqual([
      { zone: 'crusher-yard', source: 'admin' },
      { zone: 'tailings-east', source: 'admin' },
    ]);
    expect((await call(admin, 'PUT', `/sites/${SITE}/sensors/rf-mast-2/zones`, { zones: ['Bad Zone'] })).status).toBe(
      400,
    );

    // Another site's operator sees and changes none of it.
    const created = await call(admin, 'POST', '/users', {
      username: 'op-tarkwa',
      password: 'operator-password',
      role: 'operator',
      siteIds: ['tarkwa-2'],
    });
    expect(created.status).toBe(201);
    const operator = await login(oreguard.baseUrl, 'op-tarkwa', 'operator-password');
    for (const path of ['gateways', 'sensors', 'blind-zones']) {
      expect((await call(operator, 'GET', `/sites/${SITE}/${path}`)).status).toBe(403);
    }
    expect((await call(operator, 'PUT', `/sites/${SITE}/sensors/rf-mast-2/zones`, { zones: [] })).status).toBe(403);

    // A real gateway connection with a last will, cut without a DISCONNECT: the broker publishes the will.
    const statusTopic = `${ctx.topicPrefix}/sites/${SITE}/gateways/gw-2/status`;
    willClient = await mqtt.connectAsync(TEST_SERVICES.mqttUrl, {
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify({ state: 'offline', at: at(10) })),
        qos: 1,
        retain: true,
      },
    });
    await willClient.publishAsync(
      `${ctx.topicPrefix}/sites/${SITE}/gateways/gw-2/events`,
      JSON.stringify(aDroneEvent({ sensorId: 'cam-9', zone: 'north-gate' })),
      { qos: 1 },
    );
    await willClient.publishAsync(
      statusTopic,
      JSON.stringify({ state: 'online', at: at(11), sensors: [{ sensorId: 'cam-9', state: 'ok' }] }),
      {
        qos: 1,
        retain: true,
      },
    );
    await waitFor(
      () => ctx.db.query(`SELECT 1 FROM gateways WHERE id = 'gw-2' AND state = 'online'`).then((r) => r.length === 1),
      {
        what: 'gw-2 online',
      },
    );
    willClient.stream.destroy();
    const gatewayIncident = await waitFor(
      () =>
        live!.forSite(SITE).find((m) => m.type === 'opened' && (m.incident.title as string).startsWith('Gateway gw-2')),
      { what: 'the gateway offline incident' },
    );
    expect(gatewayIncident.incident.title).toBe('Gateway gw-2 offline at kolwezi-1 (zone north-gate)');
    expect((await call(admin, 'GET', `/sites/${SITE}/blind-zones`)).body.zones).toEqual(['north-gate']);
    const gw2 = (await call(admin, 'GET', `/sites/${SITE}/gateways`)).body.items.find(
      (g: any) => g.gatewayId === 'gw-2',
    );
    expect(gw2).toMatchObject({ state: 'offline', stateReason: 'last will: connection lost' });
  });

  it('after a restart, takes the silent gateway offline once and opens nothing twice for retained statuses', async () => {
    const before = await healthIncidents();
    const tampers = (await tamperEvents()).length;
    await gateway!.close();
    gateway = undefined;
    live?.close();
    live = undefined;
    await oreguard!.close();

    // A new MQTT session: the broker hands over every retained status again.
    oreguard = await startInProcess(
      ctx.env({
        MQTT_CLIENT_ID: `${ctx.name}-b`,
        GATEWAY_HEARTBEAT_INTERVAL_MS: '300',
        HEARTBEAT_CHECK_INTERVAL_MS: '100',
      }),
    );
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
    const marker = aDroneEvent({ sensorId: 'rf-mast-2', zone: 'tailings-east' });
    await gateway.publish(marker);
    await waitFor(
      () => ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [marker.eventId]).then((r) => r.length === 1),
      {
        what: 'the marker event, after the retained statuses',
      },
    );

    const silent = await waitFor(
      async () => (await healthIncidents()).find((i) => i.group_key === 'sensor-health/gateway/gw-1'),
      { what: 'gw-1 taken offline for silence' },
    );
    expect(silent.title).toBe('Gateway gw-1 offline at kolwezi-1 (zones crusher-yard, tailings-east)');
    const after = await healthIncidents();
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((i) => i.group_key === 'sensor-health/gateway/gw-2')).toHaveLength(1);
    expect(after.filter((i) => i.group_key === 'sensor-health/sensor/rf-mast-2')).toMatchObject([
      { status: 'resolved' },
    ]);
    expect(await tamperEvents()).toHaveLength(tampers + 1);
    const [gw1] = await ctx.db.query<{ state: string; state_reason: string }>(
      `SELECT state, state_reason FROM gateways WHERE id = 'gw-1'`,
    );
    expect(gw1.state).toBe('offline');
    expect(gw1.state_reason).toMatch(/^no heartbeat for/);

    // Its next heartbeat brings it back and resolves the incident.
    await gateway.publish({ state: 'online', at: new Date().toISOString() }, 'status', { retain: true });
    await waitFor(async () => (await healthIncidents()).find((i) => i.id === silent.id && i.status === 'resolved'), {
      what: 'the silence incident resolved',
    });
  });

  it("refuses a status from a clock run ahead, so the gateway's true reports after it still count", async () => {
    // Statuses are ordered by their time: taken, one dated tomorrow would make every true report stale until then.
    const site = 'likasi-2';
    const g = await TestGateway.connect(ctx.topicPrefix, site, 'gw-9');
    try {
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      await g.publish({ state: 'online', at: tomorrow, sensors: [{ sensorId: 'cam-9', state: 'ok' }] }, 'status');
      const [refused] = await waitFor(
        async () => {
          const rows = await ctx.db.query<{ reason: string }>(
            `SELECT reason FROM rejected_events WHERE site_id = $1 AND gateway_id = 'gw-9'`,
            [site],
          );
          return rows.length > 0 ? rows : undefined;
        },
        { what: 'the status dated tomorrow refused' },
      );
      expect(refused.reason).toMatch(/^at: "[^"]+" \([^)]+\) is more than 5 minutes in the future \(now /);

      await g.publish(
        { state: 'online', at: new Date().toISOString(), sensors: [{ sensorId: 'cam-9', state: 'fault' }] },
        'status',
      );
      await waitFor(
        () =>
          ctx.db
            .query(
              `SELECT 1 FROM sensor_health_changes WHERE site_id = $1 AND subject_id = 'cam-9' AND state = 'fault'`,
              [site],
            )
            .then((rows) => rows.length === 1),
        { what: "the true report's sensor fault recorded" },
      );
    } finally {
      await g.close();
    }
  });
});
