import { aDroneEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';

describe('silences and authorized drones', () => {
  const og = oreGuardForFile('silences');
  let gateway: TestGateway;
  let admin: string;
  let operator: string;

  const call = og.rest;

  /** Publishes the events and waits until the worker has folded (or held back) every one. */
  const publishAndFold = async (...events: { eventId: string }[]) => {
    for (const event of events) await gateway.publish(event);
    const ids = events.map((e) => e.eventId);
    await waitFor(
      () =>
        og.ctx.db
          .query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_id = ANY($1) AND folded_at IS NOT NULL', [
            ids,
          ])
          .then(([r]) => Number(r.n) === ids.length),
      { what: `${ids.length} events folded` },
    );
  };

  /** The incidents the event is linked to: all of them, or only those folding opened (no rule's). */
  const incidentsOf = (eventId: string, { foldedOnly = false } = {}) =>
    og.ctx.db.query<{ incident_id: string }>(
      `SELECT ie.incident_id FROM incident_events ie JOIN events e ON e.id = ie.event_id JOIN incidents i ON i.id = ie.incident_id
        WHERE e.event_id = $1 AND (NOT $2 OR NOT starts_with(i.group_key, 'rule:'))`,
      [eventId, foldedOnly],
    );

  const liveCount = async () =>
    Number((await og.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM live_messages'))[0].n);

  beforeAll(async () => {
    await og.ctx.db.query(`INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi')`, [
      SITE,
    ]);
    admin = await login(og.oreguard.baseUrl);
    const created = await call(admin, 'POST', '/users', {
      username: 'op-kolwezi',
      password: 'operator-password',
      role: 'operator',
      siteIds: [SITE],
    });
    expect(created.status).toBe(201);
    operator = await login(og.oreguard.baseUrl, 'op-kolwezi', 'operator-password');
    gateway = await og.gateway(SITE, 'gw-1');
  });

  const fenceWorks = {
    siteId: SITE,
    zone: 'north-fence',
    kind: 'theft',
    // A silence starts when it is created unless told otherwise; these alarms happened a little earlier.
    startsAt: new Date(Date.now() - 3600_000).toISOString(),
    endsAt: new Date(Date.now() + 3600_000).toISOString(),
    reason: 'Contractors replacing the north fence',
  };

  it('answers a bad silence with a 400 naming the field, and an operator with 403', async () => {
    for (const [body, field] of [
      [{ ...fenceWorks, zone: 'North Fence' }, 'zone'],
      [{ ...fenceWorks, siteId: 'nowhere-9' }, 'siteId'],
      [{ ...fenceWorks, startsAt: new Date(Date.now() + 7200_000).toISOString() }, 'endsAt'],
      [
        { ...fenceWorks, endsAt: undefined, recurrence: { days: ['monday'], start: '22:00', end: '06:00' } },
        'recurrence.days.0',
      ],
      [
        { ...fenceWorks, endsAt: undefined, recurrence: { days: ['mon'], start: '22:00', end: '6am' } },
        'recurrence.end',
      ],
      [{ ...fenceWorks, reason: undefined }, 'reason'],
      [{ ...fenceWorks, match: { 'cyber.signatureId': 1 } }, 'match.cyber.signatureId'],
    ] as const) {
      const res = await call(admin, 'POST', '/silences', body);
      expect([res.status, res.body.message.split(':')[0]]).toEqual([400, field]);
    }
    expect((await call(operator, 'POST', '/silences', fenceWorks)).status).toBe(403);
    expect((await call(operator, 'POST', '/authorized-drones', { siteId: SITE, uasId: 'X', label: 'x' })).status).toBe(
      403,
    );
    expect((await call(admin, 'DELETE', '/authorized-drones/X')).body.message).toMatch(/^siteId: /);
    expect((await call(admin, 'DELETE', '/silences/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11')).status).toBe(404);
  });

  it('holds back theft alarms in a silenced zone, while other zones still open incidents; expiring it lets them through again', async () => {
    const created = await call(admin, 'POST', '/silences', fenceWorks);
    expect(created).toMatchObject({
      status: 201,
      body: { siteId: SITE, zone: 'north-fence', createdBy: 'admin', expiredAt: null },
    });
    const silenceId: string = created.body.id;
    // Operators see their own site's silences (read only).
    expect((await call(operator, 'GET', `/silences?siteId=${SITE}`)).body.items.map((s: any) => s.id)).toEqual([
      silenceId,
    ]);

    const live = await LiveClient.connect(og.oreguard.baseUrl, admin, { resumeAfter: { [SITE]: 0 } });
    const first = aTheftEvent({ occurredAt: new Date(Date.now() - 60_000).toISOString() });
    const second = aTheftEvent({ occurredAt: new Date(Date.now() - 30_000).toISOString() });
    await publishAndFold(first, second);

    // Stored, linked to the silence, and nothing else: no incident, no live message.
    const holds = await og.ctx.db.query<{ event_id: string; silence_id: string }>(
      'SELECT e.event_id, h.silence_id FROM event_holds h JOIN events e ON e.id = h.event_id ORDER BY e.occurred_at',
    );
    expect(holds).toEqual([
      { event_id: first.eventId, silence_id: silenceId },
      { event_id: second.eventId, silence_id: silenceId },
    ]);
    expect(await og.ctx.db.query('SELECT id FROM incidents')).toHaveLength(0);
    expect(await liveCount()).toBe(0);

    const elsewhere = aTheftEvent({
      zone: 'ore-yard',
      theft: { category: 'material_loss', material: 'cobalt hydroxide' },
    });
    await publishAndFold(elsewhere);
    expect(await incidentsOf(elsewhere.eventId)).toHaveLength(1);
    await waitFor(() => live.forSite(SITE).length >= 1, { what: 'the live message of the ore-yard incident' });
    // The first message of the site is the ore-yard incident: nothing was pushed for the held alarms.
    expect(live.forSite(SITE)[0]).toMatchObject({ seq: 1, type: 'opened', incident: { eventCount: 1 } });

    const held = await call(admin, 'GET', `/silences/${silenceId}/held?limit=1`);
    expect(held.status).toBe(200);
    expect(held.body.items.map((e: any) => e.eventId)).toEqual([second.eventId]);
    const rest = await call(admin, 'GET', `/silences/${silenceId}/held?limit=1&cursor=${held.body.nextCursor}`);
    expect(rest.body.items.map((e: any) => [e.eventId, e.incidentIds])).toEqual([[first.eventId, []]]);

    const expired = await call(admin, 'DELETE', `/silences/${silenceId}`);
    expect(expired).toMatchObject({ status: 200, body: { id: silenceId, expiredBy: 'admin' } });
    expect((await call(admin, 'GET', `/silences?siteId=${SITE}`)).body.items).toEqual([]);
    expect((await call(admin, 'GET', `/silences?siteId=${SITE}&includeExpired=true`)).body.items).toHaveLength(1);

    const after = aTheftEvent();
    await publishAndFold(after);
    expect(await incidentsOf(after.eventId)).toHaveLength(1);
    expect(
      await og.ctx.db.query('SELECT 1 FROM event_holds h JOIN events e ON e.id = h.event_id WHERE e.event_id = $1', [
        after.eventId,
      ]),
    ).toEqual([]);
    live.close();

    const audit = await og.ctx.db.query<{ action: string; target: string }>(
      "SELECT action, target FROM audit_log WHERE action LIKE 'silence.%' ORDER BY seq",
    );
    expect(audit).toEqual([
      { action: 'silence.created', target: silenceId },
      { action: 'silence.expired', target: silenceId },
    ]);
  });

  it("raises nothing for the site's own survey drone, but still opens an incident for a stranger's", async () => {
    const authorized = await call(admin, 'POST', '/authorized-drones', {
      siteId: SITE,
      uasId: '1596F3BCD5OREGUARD',
      label: 'Survey quadcopter 1',
    });
    expect(authorized).toMatchObject({
      status: 201,
      body: { siteId: SITE, uasId: '1596F3BCD5OREGUARD', createdBy: 'admin' },
    });
    expect(
      (await call(admin, 'POST', '/authorized-drones', { siteId: SITE, uasId: '1596F3BCD5OREGUARD', label: 'again' }))
        .status,
    ).toBe(409);

    const ours = aDroneEvent({
      drone: { detection: 'remote_id', uasId: '1596F3BCD5OREGUARD', position: { lat: -10.71, lon: 25.46 } },
    });
    await publishAndFold(ours);
    expect(await incidentsOf(ours.eventId)).toEqual([]);
    expect(await og.ctx.db.query("SELECT id FROM incidents WHERE 'drone' = ANY(kinds)")).toEqual([]);

    const stranger = aDroneEvent({
      drone: { detection: 'remote_id', uasId: 'UNKNOWN-DJI-4471', position: { lat: -10.71, lon: 25.46 } },
    });
    await publishAndFold(stranger);
    expect(await incidentsOf(stranger.eventId, { foldedOnly: true })).toHaveLength(1);

    const held = await call(operator, 'GET', `/authorized-drones/1596F3BCD5OREGUARD/held?siteId=${SITE}`);
    expect(held.body.items.map((e: any) => e.eventId)).toEqual([ours.eventId]);
    expect((await call(operator, 'GET', '/authorized-drones')).body.items.map((d: any) => d.uasId)).toEqual([
      '1596F3BCD5OREGUARD',
    ]);

    const removed = await call(admin, 'DELETE', `/authorized-drones/1596F3BCD5OREGUARD?siteId=${SITE}`);
    expect(removed).toMatchObject({ status: 200, body: { expiredBy: 'admin' } });
    expect((await call(admin, 'DELETE', `/authorized-drones/1596F3BCD5OREGUARD?siteId=${SITE}`)).status).toBe(404);
    const again = aDroneEvent({
      drone: { detection: 'remote_id', uasId: '1596F3BCD5OREGUARD', position: { lat: -10.71, lon: 25.46 } },
    });
    await publishAndFold(again);
    expect(await incidentsOf(again.eventId, { foldedOnly: true })).toHaveLength(1);
    // Held back, ours correlated with nothing either, though breaches were seen at the site.
    expect(await incidentsOf(ours.eventId)).toEqual([]);
  });
});
