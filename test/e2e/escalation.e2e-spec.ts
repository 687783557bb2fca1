import { aCyberEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const SITE = 'tarkwa-2';

/**
 * Two high incidents at one site: a theft nobody acknowledges and a cyber alert an operator
 * acknowledges. Set up with escalation off, then run with high=1s: the theft one rises to
 * critical, on its timeline and on the live stream with the next seq; the acknowledged one
 * stays high. A later high event folding into the escalated incident leaves it critical.
 */
describe('escalating an incident nobody acknowledges', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let token: string;
  let gateway: TestGateway | undefined;
  let live: LiveClient | undefined;

  beforeAll(async () => {
    ctx = await createTestContext('escalation');
  });

  afterAll(async () => {
    live?.close();
    await gateway?.close();
    await oreguard?.close();
    await ctx?.dispose();
  });

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${oreguard!.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('raises the unacknowledged one a severity, on the timeline and live, and never the acknowledged one', async () => {
    // Set-up with escalation off: no limit can run out while the operator acknowledges.
    oreguard = await startInProcess(ctx.env({ ESCALATE_AFTER: 'off' }));
    token = await login(oreguard.baseUrl);
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
    const theft = aTheftEvent({ severity: 'high' });
    await gateway.publish(theft);
    await gateway.publish(aCyberEvent({ severity: 'high' }));
    const rows = await waitFor(
      () =>
        ctx.db
          .query<{ id: string; group_key: string }>('SELECT id, group_key FROM incidents')
          .then((r) => (r.length === 2 ? r : undefined)),
      { what: 'two incidents' },
    );
    const theftId = rows.find((r) => r.group_key === 'theft')!.id;
    const cyberId = rows.find((r) => r.group_key === 'cyber')!.id;
    expect((await call('POST', `/incidents/${cyberId}/acknowledge`)).status).toBe(200);
    // A reopened incident's clock starts at its reopening: the reopening is stamped.
    expect((await call('POST', `/incidents/${theftId}/resolve`, { resolution: 'duplicate' })).status).toBe(200);
    const reopened = await call('POST', `/incidents/${theftId}/reopen`);
    expect(reopened.body).toMatchObject({ status: 'open', severity: 'high' });
    const [stamp] = await ctx.db.query<{ reopened_at: Date | null; updated_at: Date }>(
      'SELECT reopened_at, updated_at FROM incidents WHERE id = $1',
      [theftId],
    );
    expect(stamp.reopened_at).toEqual(stamp.updated_at);
    const [{ last_seq: before }] = await ctx.db.query<{ last_seq: string }>(
      'SELECT last_seq FROM site_streams WHERE site_id = $1',
      [SITE],
    );
    await gateway.close();
    gateway = undefined;
    await oreguard.close();

    // The same data, now with high incidents escalating after one second.
    oreguard = await startInProcess(ctx.env({ ESCALATE_AFTER: 'high=1s', ESCALATION_CHECK_INTERVAL_MS: '200' }));
    token = await login(oreguard.baseUrl);
    live = await LiveClient.connect(oreguard.baseUrl, token, { resumeAfter: { [SITE]: Number(before) } });

    const [message] = await waitFor(() => (live!.forSite(SITE).length > 0 ? live!.forSite(SITE) : undefined), {
      what: 'an escalated live message',
    });
    expect(message).toMatchObject({
      seq: Number(before) + 1,
      type: 'escalated',
      incident: { id: theftId, severity: 'critical', status: 'open' },
    });

    const escalated = await call('GET', `/incidents/${theftId}`);
    expect(escalated.body.severity).toBe('critical');
    expect(escalated.body.timeline.at(-1)).toMatchObject({
      actor: 'system',
      action: 'escalated',
      details: { from: 'high', to: 'critical', reason: 'not acknowledged within 1s, the limit for high' },
    });
    const acknowledged = await call('GET', `/incidents/${cyberId}`);
    expect(acknowledged.body).toMatchObject({ severity: 'high', status: 'acknowledged' });
    expect(acknowledged.body.timeline.map((e: any) => e.action)).not.toContain('escalated');

    // A later high event joins the escalated incident: it stays critical.
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
    await gateway.publish(aTheftEvent({ severity: 'high', occurredAt: theft.occurredAt }));
    const update = await waitFor(() => live!.forSite(SITE).find((m) => m.type === 'updated'), {
      what: 'an updated live message',
    });
    expect(update).toMatchObject({
      seq: Number(before) + 2,
      incident: { id: theftId, severity: 'critical', eventCount: 2 },
    });
    expect(live.forSite(SITE).map((m) => m.type)).toEqual(['escalated', 'updated']);
  });
});
