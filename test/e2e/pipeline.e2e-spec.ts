import { checkEvidenceBundle } from '../../src/audit/evidence-bundle';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

describe('the event pipeline, MQTT to incidents to live sockets', () => {
  const og = oreGuardForFile('pipeline');
  let gateway: TestGateway;
  let token: string;

  beforeAll(async () => {
    gateway = await og.gateway('kolwezi-1', 'gw-1');
    token = await login(og.oreguard.baseUrl);
  });

  const api = async (path: string) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('turns a drone, a cyber and a theft event into stored events, incidents and live messages', async () => {
    const live = await LiveClient.connect(og.oreguard.baseUrl, token, { resumeAfter: {} });
    const drone = aDroneEvent({ occurredAt: '2026-11-29T03:12:44.120+01:00', severity: 'high' });
    const cyber = aCyberEvent();
    const theft = aTheftEvent();
    for (const event of [drone, cyber, theft]) await gateway.publish(event);

    // Folded: one incident per kind (the correlation rules' incidents come on top, below).
    const folded = (items: any[]) => items.filter((i) => i.ruleIds.some((r: string) => r.endsWith('-activity')));
    const incidents = await waitFor(
      async () => {
        const { body } = await api('/incidents?siteId=kolwezi-1');
        return folded(body.items).length === 3 ? folded(body.items) : undefined;
      },
      { what: 'three incidents' },
    );
    expect(incidents.map((i: any) => i.kinds[0]).sort()).toEqual(['cyber', 'drone', 'theft']);
    const droneIncident = incidents.find((i: any) => i.kinds[0] === 'drone');
    // The sensor said high; an RF detection with no Remote ID beside it is a non-cooperative drone: one level up.
    expect(droneIncident).toMatchObject({ siteId: 'kolwezi-1', severity: 'critical', status: 'open', eventCount: 1 });
    expect(droneIncident.firstSeenAt).toBe('2026-11-29T02:12:44.120Z');
    expect(droneIncident.title).toContain('kolwezi-1');

    const detail = await api(`/incidents/${droneIncident.id}`);
    expect(detail.body.events).toHaveLength(1);
    expect(detail.body.events[0]).toMatchObject({
      eventId: drone.eventId,
      gatewayId: 'gw-1',
      source: 'canonical',
      occurredAt: '2026-11-29T02:12:44.120Z',
      drone: drone.drone,
      incidentIds: [droneIncident.id],
    });
    expect(detail.body.timeline[0]).toMatchObject({ actor: 'system', action: 'opened' });

    await waitFor(() => live.forSite('kolwezi-1').length >= 3, { what: 'three live messages' });
    // Correlation waits for folding to settle the events, so the folds' messages come first.
    const messages = live.forSite('kolwezi-1').slice(0, 3);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(messages.every((m) => m.type === 'opened')).toBe(true);
    expect(messages.map((m) => m.incident.id).sort()).toEqual(incidents.map((i: any) => i.id).sort());
    // An OT cyber event, then a fence breach at the same site (the drone was hours earlier):
    // the default rule opens a critical incident of its own, announced live.
    const [correlated] = await waitFor(
      () => {
        const opened = live.forSite('kolwezi-1').filter((m) => m.type === 'opened' && m.seq > 3);
        return opened.length > 0 ? opened : undefined;
      },
      { what: 'a correlation incident announced' },
    );
    expect(correlated.incident).toMatchObject({
      ruleIds: ['ot-cyber-then-theft'],
      severity: 'critical',
      kinds: ['cyber', 'theft'],
      eventCount: 2,
    });
    // The rule's incident binds the events it links into its own chain: its bundle checks out.
    const bundle = await api(`/incidents/${correlated.incident.id}/evidence`);
    const keys = await api('/evidence/keys');
    expect(checkEvidenceBundle(bundle.body, { publicKey: keys.body.items[0].publicKey })).toMatchObject({
      ok: true,
      eventsChecked: 2,
    });
    live.close();
  });

  it('stores an event published three times once, with one incident change', async () => {
    // At a site of its own, where no correlation rule can take it up: one change is the fold's.
    const event = aTheftEvent({
      zone: 'ore-yard',
      theft: { category: 'material_loss', material: 'cobalt hydroxide', quantityKg: 400 },
    });
    const before = await og.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM live_messages WHERE site_id = 'kolwezi-yard'`,
    );
    const yard = await TestGateway.connect(og.ctx.topicPrefix, 'kolwezi-yard', 'gw-1');
    for (let i = 0; i < 3; i++) await yard.publish(event);
    await yard.close();
    await waitFor(async () => {
      const rows = await og.ctx.db.query('SELECT 1 FROM events WHERE event_id = $1 AND folded_at IS NOT NULL', [
        event.eventId,
      ]);
      return rows.length === 1;
    });
    // Give the redeliveries every chance to do damage before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await og.ctx.db.query('SELECT id FROM events WHERE event_id = $1', [event.eventId]);
    expect(rows).toHaveLength(1);
    const links = await og.ctx.db.query('SELECT incident_id FROM incident_events WHERE event_id = $1', [rows[0].id]);
    expect(links).toHaveLength(1);
    const after = await og.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM live_messages WHERE site_id = 'kolwezi-yard'`,
    );
    expect(Number(after[0].n) - Number(before[0].n)).toBe(1);
  });

  it('folds a storm of events of one kind into one incident and raises its severity to the highest', async () => {
    const base = Date.parse('2026-11-29T01:00:00Z');
    const events = Array.from({ length: 30 }, (_, i) =>
      aCyberEvent({ occurredAt: new Date(base + i * 10_000).toISOString(), severity: i === 20 ? 'critical' : 'low' }),
    );
    const storm = await TestGateway.connect(og.ctx.topicPrefix, 'tarkwa-2', 'gw-9');
    for (const event of events) await storm.publish(event);
    await storm.close();
    const incidents = await waitFor(async () => {
      const { body } = await api('/incidents?siteId=tarkwa-2');
      return body.items.length === 1 && body.items[0].eventCount === 30 ? body.items : undefined;
    });
    expect(incidents[0]).toMatchObject({ severity: 'critical', kinds: ['cyber'] });
  });

  it('keeps an invalid event as rejected with the field named, and confirms to gateways that ask', async () => {
    const acks: any[] = [];
    const ackTopic = gateway.topic('acks');
    await gateway.client.subscribeAsync(ackTopic, { qos: 1 });
    gateway.client.on('message', (topic, payload, packet) => {
      if (topic === ackTopic)
        acks.push({
          body: JSON.parse(payload.toString()),
          correlation: packet.properties?.correlationData?.toString(),
        });
    });
    const good = aDroneEvent();
    await gateway.publish(good, 'events', {
      properties: { responseTopic: ackTopic, correlationData: Buffer.from('c-1') },
    });
    await gateway.publish(good, 'events', {
      properties: { responseTopic: 'somewhere/else', correlationData: Buffer.from('c-2') },
    });
    await gateway.publish(aDroneEvent({ drone: { detection: 'rf', position: { lat: 91, lon: 0 } } }), 'events', {
      properties: { responseTopic: ackTopic, correlationData: Buffer.from('c-3') },
    });
    await waitFor(() => acks.length >= 3, { what: 'three confirmations' });
    const byCorrelation = Object.fromEntries(acks.map((a) => [a.correlation, a.body]));
    expect(byCorrelation['c-1']).toEqual({ status: 'stored', eventId: good.eventId });
    expect(byCorrelation['c-2']).toEqual({ status: 'duplicate', eventId: good.eventId });
    expect(byCorrelation['c-3'].status).toBe('rejected');
    expect(byCorrelation['c-3'].reason).toMatch(/^drone\.position\.lat: /);

    const { body } = await api('/rejected-events');
    expect(body.items[0].reason).toMatch(/drone\.position\.lat/);
    expect(body.items[0].topic).toBe(gateway.topic());
  });

  it('answers bad REST input with 400 naming the field, and no token with 401', async () => {
    const bad = await api('/incidents?limit=5000');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(bad.body.message).toMatch(/^limit: /);
    const anonymous = await fetch(`${og.oreguard.baseUrl}/api/v1/incidents`);
    expect(anonymous.status).toBe(401);
    const missing = await api('/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11');
    expect(missing.status).toBe(404);
  });

  it('reports readiness and serves metrics and the OpenAPI document', async () => {
    const ready = await fetch(`${og.oreguard.baseUrl}/api/v1/health/ready`);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'up', admin: 'up', redis: 'up', mqtt: 'up' },
    });
    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/oreguard_events_accepted_total\{source="canonical"\} \d+/);
    expect(metrics).toMatch(/oreguard_events_rejected_total\{reason="schema"\} 1/);
    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/incidents', '/events', '/rejected-events', '/auth/login']),
    );
  });
});
