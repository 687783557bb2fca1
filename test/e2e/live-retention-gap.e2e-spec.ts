import { LiveGapSchema, LiveSnapshotSchema } from 'src/live/live-events.schema';
import { aDroneEvent } from '../factories/events';
import { LiveClient, login, type IncidentMessage } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { restClient } from '../support/rest-client';
import { waitFor } from '../support/wait-for';

/**
 * A console resumes from a seq whose following live messages retention has dropped: it is
 * told so (`gap`), given the site's current state (`snapshot`), then the stream goes on
 * after the snapshot's seq, before anything else of the site. Never a silent gap. A console
 * that resumes from a seq the site has not reached (a restored database) is answered the same
 * way, never left waiting in silence.
 */
const SITE = 'kolwezi-1';
const OPENED = 6;

describe('live messages: resume from behind the retained log', () => {
  const og = oreGuardForFile('live-retention-gap', {
    env: { INCIDENT_GAP_MS: String(10 * 60_000) },
    untilIngesting: true,
  });
  let gateway: TestGateway;
  let token: string;
  const clients: LiveClient[] = [];
  const rest = () => restClient(og.oreguard.baseUrl);

  /** A socket that records every event it is sent, in order, from before its resume. */
  const resumed = async (after: number) => {
    const client = await LiveClient.connect(og.oreguard.baseUrl, token);
    clients.push(client);
    const events: [string, Record<string, unknown>][] = [];
    client.socket.onAny((event: string, body: Record<string, unknown>) => events.push([event, body]));
    expect(await client.resume({ [SITE]: after })).toEqual({ ok: true, sites: [SITE] });
    return { client, events };
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
  const incidents = async () =>
    (await rest()(token, 'GET', `/incidents?siteId=${SITE}&limit=100`)).body.items as { id: string; zones: string[] }[];

  beforeAll(async () => {
    gateway = await og.gateway(SITE, 'gw-1');
    token = await login(og.oreguard.baseUrl);
    // Six drone incidents (far apart in time, so each is its own): seq 1..6; then one is
    // acknowledged (7) and one resolved (8).
    const base = Date.now() - 60 * 60_000;
    for (let i = 0; i < OPENED; i++) {
      await gateway.publish(
        aDroneEvent({ occurredAt: new Date(base - i * 30 * 60_000).toISOString(), zone: `zone-${i}` }),
      );
    }
    await waitFor(async () => (await incidents()).length === OPENED, { what: `${OPENED} incidents` });
    const [first, second] = await incidents();
    expect((await rest()(token, 'POST', `/incidents/${first.id}/acknowledge`)).status).toBe(200);
    expect(
      (await rest()(token, 'POST', `/incidents/${second.id}/resolve`, { resolution: 'false_positive' })).status,
    ).toBe(200);
    await waitFor(
      async () =>
        (await og.ctx.db.query('SELECT 1 FROM live_messages WHERE site_id = $1 AND seq = 8', [SITE])).length === 1,
      {
        what: 'the eighth live message',
      },
    );
    // Retention drops seq 1..5 (as the superuser: the runtime role may not delete).
    await og.ctx.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await tx.query('DELETE FROM live_messages WHERE site_id = $1 AND seq <= 5', [SITE]);
    });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
  });

  it('sends gap, then the current state, then the live messages after it', async () => {
    const { client, events } = await resumed(2);
    await waitFor(() => events.length >= 2, { what: 'the gap and the snapshot' });
    await settle();
    expect(events.map(([event]) => event)).toEqual(['gap', 'snapshot']);

    const gap = LiveGapSchema.parse(events[0][1]);
    expect(gap).toEqual({ siteId: SITE, after: 2, retainedFrom: 6, continueFrom: 8, reason: 'retention' });

    const snapshot = LiveSnapshotSchema.parse(events[1][1]);
    expect(snapshot.siteId).toBe(SITE);
    expect(snapshot.seq).toBe(8);
    // Open and acknowledged, as REST shows them; the resolved one is not there.
    const open = (await rest()(token, 'GET', `/incidents?siteId=${SITE}&status=open&limit=100`)).body
      .items as unknown[];
    const acknowledged = (await rest()(token, 'GET', `/incidents?siteId=${SITE}&status=acknowledged&limit=100`)).body
      .items as unknown[];
    expect(open).toHaveLength(OPENED - 2);
    expect(acknowledged).toHaveLength(1);
    expect(snapshot.incidents).toEqual(expect.arrayContaining([...open, ...acknowledged]));
    expect(snapshot.incidents).toHaveLength(OPENED - 1);

    // Live again: the next change is the next number after continueFrom.
    await gateway.publish(
      aDroneEvent({ occurredAt: new Date(Date.now() - 5 * 24 * 60 * 60_000).toISOString(), zone: 'zone-late' }),
    );
    await waitFor(() => client.forSite(SITE).length >= 1, { what: 'the next live message' });
    await settle();
    expect(events.map(([event]) => event)).toEqual(['gap', 'snapshot', 'incident']);
    expect((events[2][1] as unknown as IncidentMessage).seq).toBe(9);
  });

  it('resumes without a gap from a seq the log still continues', async () => {
    const { client, events } = await resumed(5);
    await waitFor(() => client.forSite(SITE).length >= 4, { what: 'messages 6 to 9' });
    await settle();
    expect(events.map(([event]) => event)).toEqual(['incident', 'incident', 'incident', 'incident']);
    expect(client.forSite(SITE).map((m) => m.seq)).toEqual([6, 7, 8, 9]);
  });

  it('resumes a client that missed nothing with nothing', async () => {
    const { events } = await resumed(9);
    await settle();
    expect(events).toEqual([]);
  });

  it('tells a client resuming after a seq the site has not reached: gap, the current state, then live', async () => {
    // As after the database was restored from a backup older than what the console applied.
    const { client, events } = await resumed(50);
    await waitFor(() => events.length >= 2, { what: 'the gap and the snapshot' });
    await settle();
    expect(events.map(([event]) => event)).toEqual(['gap', 'snapshot']);
    expect(LiveGapSchema.parse(events[0][1])).toEqual({ siteId: SITE, after: 50, continueFrom: 9, reason: 'ahead' });
    const snapshot = LiveSnapshotSchema.parse(events[1][1]);
    expect(snapshot.seq).toBe(9);
    const open = (await rest()(token, 'GET', `/incidents?siteId=${SITE}&status=open&limit=100`)).body
      .items as unknown[];
    const acknowledged = (await rest()(token, 'GET', `/incidents?siteId=${SITE}&status=acknowledged&limit=100`)).body
      .items as unknown[];
    expect(snapshot.incidents).toEqual(expect.arrayContaining([...open, ...acknowledged]));
    expect(snapshot.incidents).toHaveLength(open.length + acknowledged.length);

    await gateway.publish(
      aDroneEvent({ occurredAt: new Date(Date.now() - 6 * 24 * 60 * 60_000).toISOString(), zone: 'zone-later' }),
    );
    await waitFor(() => client.forSite(SITE).length >= 1, { what: 'the next live message' });
    await settle();
    expect(events.map(([event]) => event)).toEqual(['gap', 'snapshot', 'incident']);
    expect((events[2][1] as unknown as IncidentMessage).seq).toBe(10);
  });
});
