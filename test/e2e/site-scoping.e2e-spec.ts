import { aCyberEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

describe('an operator of one site, everywhere', () => {
  const og = oreGuardForFile('site-scoping');
  let admin: string;
  let operator: string;
  let operatorId: string;
  let incidentOfB: string;
  let titleOfB: string;
  let silenceOfB: string;

  const call = og.rest;

  beforeAll(async () => {
    admin = await login(og.oreguard.baseUrl);
    for (const [site, event] of [
      ['site-a', aTheftEvent()],
      ['site-b', aCyberEvent()],
    ] as const) {
      const gateway = await TestGateway.connect(og.ctx.topicPrefix, site, 'gw-1');
      await gateway.publish(event);
      await gateway.close();
    }
    const rows = await waitFor(() =>
      og.ctx.db
        .query<{ id: string; site_id: string; title: string }>('SELECT id, site_id, title FROM incidents')
        .then((r) => (r.length === 2 ? r : undefined)),
    );
    ({ id: incidentOfB, title: titleOfB } = rows.find((r) => r.site_id === 'site-b')!);
    const created = await call(admin, 'POST', '/users', {
      username: 'op-a',
      password: 'operator-password',
      role: 'operator',
      siteIds: ['site-a'],
    });
    expect(created.status).toBe(201);
    operatorId = created.body.id;
    operator = await login(og.oreguard.baseUrl, 'op-a', 'operator-password');
    // Site-b has a silence and an authorized drone of its own, for the walk below.
    const silence = await call(admin, 'POST', '/silences', {
      siteId: 'site-b',
      reason: 'fence maintenance',
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(silence.status).toBe(201);
    silenceOfB = silence.body.id;
    expect(
      (await call(admin, 'POST', '/authorized-drones', { siteId: 'site-b', uasId: 'UAS-B-SURVEY', label: 'survey' }))
        .status,
    ).toBe(201);
  });

  it.each([
    ['GET', '/incidents?siteId=site-b', 403],
    ['GET', `/incidents/${'INCIDENT_B'}`, 404],
    ['POST', `/incidents/INCIDENT_B/acknowledge`, 404],
    ['POST', `/incidents/INCIDENT_B/notes`, 404, { text: 'peek' }],
    ['POST', `/incidents/INCIDENT_B/resolve`, 404, { resolution: 'false_positive' }],
    ['POST', `/incidents/INCIDENT_B/reopen`, 404],
    ['POST', `/incidents/INCIDENT_B/assign`, 404, { userId: 'OPERATOR' }],
    ['GET', `/incidents/INCIDENT_B/verify`, 404],
    ['GET', `/incidents/INCIDENT_B/evidence`, 404],
    ['GET', '/incidents?siteId=site-b&zone=fence-north', 403],
    ['GET', '/audit', 403],
    ['GET', '/audit/verify', 403],
    ['GET', '/events?siteId=site-b', 403],
    ['GET', '/incidents/export?siteId=site-b&format=csv', 403],
    ['GET', '/stats?siteId=site-b', 403],
    ['GET', '/rejected-events', 403],
    ['GET', '/sites/site-b/sensors', 403],
    ['GET', '/users', 403],
    ['POST', '/users', 403, { username: 'x', password: 'long-enough-pw', role: 'admin' }],
    ['PATCH', '/users/OPERATOR', 403, { role: 'admin' }],
    ['GET', '/silences?siteId=site-b', 403],
    ['POST', '/silences', 403, { siteId: 'site-b', reason: 'hide it', endsAt: '2099-01-01T00:00:00Z' }],
    ['DELETE', '/silences/SILENCE_B', 403],
    ['GET', '/silences/SILENCE_B/held', 404],
    ['GET', '/authorized-drones?siteId=site-b', 403],
    ['POST', '/authorized-drones', 403, { siteId: 'site-b', uasId: 'UAS-X', label: 'mine now' }],
    ['DELETE', '/authorized-drones/UAS-B-SURVEY?siteId=site-b', 403],
    ['GET', '/authorized-drones/UAS-B-SURVEY/held?siteId=site-b', 403],
    ['POST', '/sites', 403, { id: 'site-c', name: 'C', timeZone: 'UTC' }],
    ['GET', '/sites/site-b/gateways', 403],
    ['POST', '/sites/site-b/gateways', 403, { id: 'gw-9' }],
    ['POST', '/sites/site-b/gateways/gw-1/secret', 403],
    ['GET', '/sites/site-b/blind-zones', 403],
    ['PUT', '/sites/site-b/sensors/sensor-1/zones', 403, { zones: ['north'] }],
    ['GET', '/rules', 403],
    ['POST', '/rules/backtest', 403, { siteId: 'site-b', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
  ] as [string, string, number, object?][])('%s %s gets %s and nothing of site-b', async (...row) => {
    // (A rest parameter: jest would take a fourth named parameter for a done callback.)
    const [method, path, status, body] = row;
    const filled = body && JSON.parse(JSON.stringify(body).replace('OPERATOR', operatorId));
    const res = await call(
      operator,
      method,
      path.replace('INCIDENT_B', incidentOfB).replace('SILENCE_B', silenceOfB).replace('OPERATOR', operatorId),
      filled,
    );
    expect(res.status).toBe(status);
    // An error body and nothing else: no field of site-b's incident (its id may be echoed back).
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.text).not.toContain(titleOfB);
  });

  it('exports and counts only site-a', async () => {
    const exported = await call(operator, 'GET', '/incidents/export?format=csv');
    expect(exported.status).toBe(200);
    expect(exported.text).toContain('site-a');
    expect(exported.text).not.toContain('site-b');
    const stats = await call(operator, 'GET', '/stats');
    expect(stats.body.bySite).toEqual({ 'site-a': 1 });
  });

  it('lists only site-a in incidents, events and sites', async () => {
    for (const path of ['/incidents', '/events', '/sites']) {
      const res = await call(operator, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.text).not.toContain('site-b');
      expect(res.text).not.toContain(incidentOfB);
    }
  });

  it("lists no silence or authorized drone of site-b (an operator may read their own sites')", async () => {
    for (const path of ['/silences', '/authorized-drones']) {
      const mine = await call(operator, 'GET', path);
      expect(mine.status).toBe(200);
      expect(mine.text).not.toContain('site-b');
      const theirs = await call(admin, 'GET', path);
      expect(theirs.text).toContain('site-b'); // there is something of site-b to withhold
    }
  });

  it('streams and resumes only site-a to the operator socket', async () => {
    const live = await LiveClient.connect(og.oreguard.baseUrl, operator);
    expect(await live.resume({ 'site-a': 0, 'site-b': 0 })).toEqual({ ok: true, sites: ['site-a'] });
    await waitFor(() => live.forSite('site-a').length >= 1, { what: "site-a's history" });
    const gateway = await TestGateway.connect(og.ctx.topicPrefix, 'site-b', 'gw-1');
    await gateway.publish(aCyberEvent({ occurredAt: new Date(Date.now() - 3 * 3600_000).toISOString() }));
    await gateway.close();
    await waitFor(
      async () =>
        (await og.ctx.db.query("SELECT 1 FROM live_messages WHERE site_id = 'site-b' AND seq = 2")).length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live.messages.every((m) => m.siteId === 'site-a')).toBe(true);
    live.close();
  });

  it('stops a disabled operator at once: the next request and the live socket are refused', async () => {
    const live = await LiveClient.connect(og.oreguard.baseUrl, operator);
    const disconnected = new Promise<string>((resolve) => live.socket.once('disconnect', (reason) => resolve(reason)));
    expect((await call(admin, 'PATCH', `/users/${operatorId}`, { disabled: true })).body).toMatchObject({
      disabled: true,
    });
    expect((await call(operator, 'GET', '/incidents')).status).toBe(401);
    expect(await disconnected).toBe('io server disconnect');
    await expect(LiveClient.connect(og.oreguard.baseUrl, operator)).rejects.toThrow(/unauthorized/);
    await expect(login(og.oreguard.baseUrl, 'op-a', 'operator-password')).rejects.toThrow(/401/);
  });
});
