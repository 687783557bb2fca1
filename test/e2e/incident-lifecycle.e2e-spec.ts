import { aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

describe('acting on an incident', () => {
  const og = oreGuardForFile('lifecycle');
  let token: string;
  let incidentId: string;

  beforeAll(async () => {
    token = await login(og.oreguard.baseUrl);
    const gateway = await TestGateway.connect(og.ctx.topicPrefix, 'tarkwa-2', 'gw-1');
    await gateway.publish(aTheftEvent());
    await gateway.close();
    const [row] = await waitFor(() =>
      og.ctx.db.query<{ id: string }>('SELECT id FROM incidents').then((r) => (r.length ? r : undefined)),
    );
    incidentId = row.id;
  });

  const post = async (action: string, body?: object) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/incidents/${incidentId}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('walks acknowledge, note, resolve and reopen, each on the timeline and pushed live; illegal steps get 409', async () => {
    const live = await LiveClient.connect(og.oreguard.baseUrl, token, { resumeAfter: { 'tarkwa-2': 1 } });

    expect(await post('acknowledge')).toMatchObject({
      status: 200,
      body: { status: 'acknowledged', acknowledgedBy: 'admin' },
    });
    expect(await post('acknowledge')).toMatchObject({ status: 409, body: { statusCode: 409, error: 'Conflict' } });
    expect((await post('notes', { text: 'Guards dispatched to the north fence' })).status).toBe(200);
    expect((await post('resolve', { resolution: 'maybe' })).body.message).toMatch(/^resolution: /);
    expect(await post('resolve', { resolution: 'true_positive', note: 'Two intruders detained' })).toMatchObject({
      status: 200,
      body: { status: 'resolved', resolution: 'true_positive' },
    });
    expect((await post('resolve', { resolution: 'duplicate' })).status).toBe(409);
    expect(await post('reopen')).toMatchObject({ status: 200, body: { status: 'open', resolution: null } });
    expect((await post('assign', { userId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);

    const detail = (await (
      await fetch(`${og.oreguard.baseUrl}/api/v1/incidents/${incidentId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as any;
    expect(detail.timeline.map((e: any) => [e.action, e.actor])).toEqual([
      ['opened', 'system'],
      ['acknowledged', 'admin'],
      ['noted', 'admin'],
      ['resolved', 'admin'],
      ['reopened', 'admin'],
    ]);
    expect(detail.timeline[2].details).toEqual({ text: 'Guards dispatched to the north fence' });

    await waitFor(() => live.forSite('tarkwa-2').length >= 4, { what: 'four live lifecycle messages' });
    expect(live.forSite('tarkwa-2').map((m) => [m.seq, m.type])).toEqual([
      [2, 'acknowledged'],
      [3, 'noted'],
      [4, 'resolved'],
      [5, 'reopened'],
    ]);
    live.close();
  });

  it('answers 404 for an incident that does not exist', async () => {
    const res = await fetch(
      `${og.oreguard.baseUrl}/api/v1/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11/acknowledge`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(404);
  });
});
