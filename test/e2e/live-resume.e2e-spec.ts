import { JwtService } from '@nestjs/jwt';
import { io } from 'socket.io-client';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { LiveClient, login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * An operator console that drops off while incidents change, then reconnects and resumes:
 * it gets every missed message of the site, in order, with no gap and no duplicate, then live.
 */
const SITE = 'kolwezi-1';
const MISSED = 50;
const GAP_MS = 10 * 60_000;

describe('live messages: resume after a disconnection', () => {
  const og = oreGuardForFile('live-resume', { env: { INCIDENT_GAP_MS: String(GAP_MS) }, untilIngesting: true });
  let gateway: TestGateway;
  let token: string;
  const clients: LiveClient[] = [];

  const connect = async (opts: { resumeAfter?: Record<string, number> } = {}) => {
    const client = await LiveClient.connect(og.oreguard.baseUrl, token, opts);
    clients.push(client);
    return client;
  };
  const logged = async () => {
    const [row] = await og.ctx.db.query<{ n: string; max: string | null }>(
      'SELECT count(*) AS n, max(seq) AS max FROM live_messages WHERE site_id = $1',
      [SITE],
    );
    return { count: Number(row.n), max: Number(row.max ?? 0) };
  };
  const adminId = async () =>
    (await og.ctx.db.query<{ id: string }>('SELECT id FROM users WHERE username = $1', ['admin']))[0].id;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  beforeAll(async () => {
    gateway = await og.gateway(SITE, 'gw-1');
    token = await login(og.oreguard.baseUrl);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
  });

  it('sends a reconnecting client exactly the messages it missed, in order, then goes on live', async () => {
    // 1. Connected: a drone, a cyber and a theft incident open.
    const first = await connect({ resumeAfter: {} });
    // Events no correlation rule takes up together: every message here is a fold's.
    const quiet = [
      aDroneEvent(),
      aCyberEvent({ cyber: { ...aCyberEvent().cyber, network: 'it' } }),
      aTheftEvent({ theft: { category: 'unauthorized_access', description: 'Person seen in the yard' } }),
    ];
    for (const event of quiet) await gateway.publish(event);
    await waitFor(() => first.forSite(SITE).length >= 3, { what: 'the first three live messages' });
    const seen = first.forSite(SITE).map((m) => m.seq);
    expect(seen).toEqual([1, 2, 3]);
    const last = first.lastSeq(SITE);
    first.close();
    await waitFor(() => !first.socket.connected, { what: 'the first socket to close' });

    // 2. Away: 50 drone detections, each more than the gap from every other one (30 minutes
    // apart, going back from an hour ago), so each opens an incident of its own: 50 messages.
    const base = Date.now() - 60 * 60_000;
    const away = Array.from({ length: MISSED }, (_, i) =>
      aDroneEvent({ occurredAt: new Date(base - i * 30 * 60_000).toISOString(), zone: `zone-${i}` }),
    );
    for (const event of away) await gateway.publish(event);
    await waitFor(async () => (await logged()).count >= last + MISSED, { what: `${MISSED} more live messages logged` });
    await settle();
    expect(await logged()).toEqual({ count: last + MISSED, max: last + MISSED });
    const types = await og.ctx.db.query<{ type: string }>(
      'SELECT DISTINCT type FROM live_messages WHERE site_id = $1 AND seq > $2',
      [SITE, last],
    );
    expect(types).toEqual([{ type: 'opened' }]);

    // 3. Back: a new socket resumes after the last seq it saw.
    const second = await LiveClient.connect(og.oreguard.baseUrl, token);
    clients.push(second);
    const ack = await second.resume({ [SITE]: last });
    expect(ack).toEqual({ ok: true, sites: [SITE] });
    await waitFor(() => second.forSite(SITE).length >= MISSED, { what: `the ${MISSED} missed messages` });
    await settle();
    const resumed = second.forSite(SITE);
    expect(resumed.map((m) => m.seq)).toEqual(Array.from({ length: MISSED }, (_, i) => last + 1 + i));
    expect(new Set(resumed.map((m) => m.incident.id)).size).toBe(MISSED);
    expect(resumed.every((m) => m.type === 'opened' && m.siteId === SITE && m.incident.siteId === SITE)).toBe(true);
    const zones = resumed.map((m) => (m.incident.zones as string[])[0]).sort();
    expect(zones).toEqual(away.map((e) => e.zone).sort());

    // 4. Live again: the next change arrives with the next number.
    await gateway.publish(aTheftEvent({ occurredAt: new Date(base - 3 * 24 * 60 * 60_000).toISOString() }));
    await waitFor(() => second.forSite(SITE).length >= MISSED + 1, { what: 'the next live message' });
    await settle();
    const all = second.forSite(SITE);
    expect(all).toHaveLength(MISSED + 1);
    expect(all[MISSED]).toMatchObject({ seq: last + MISSED + 1, type: 'opened', siteId: SITE });
  });

  it('refuses a socket without a token', async () => {
    const socket = io(`${og.oreguard.baseUrl}/live`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    try {
      const error = await new Promise<Error>((resolve, reject) => {
        socket.once('connect_error', resolve);
        socket.once('connect', () => reject(new Error('connected without a token')));
      });
      expect(error.message).toMatch(/unauthorized/);
    } finally {
      socket.disconnect();
    }
  });

  /** A live session of the admin (the login in beforeAll opened one): tokens name their session. */
  const sessionId = async () =>
    (
      await og.ctx.db.query<{ id: string }>(
        'SELECT id FROM sessions WHERE revoked_at IS NULL AND user_id = $1 LIMIT 1',
        [await adminId()],
      )
    )[0].id;
  const endedSession = async () => {
    const sid = '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11';
    await og.ctx.db.query(
      `INSERT INTO sessions (id, user_id, expires_at, revoked_at) VALUES ($1, $2, now() + interval '1 day', now()) ON CONFLICT DO NOTHING`,
      [sid, await adminId()],
    );
    return sid;
  };

  it.each<[string, () => Promise<unknown>]>([
    ['a malformed token', async () => 'not-a-jwt'],
    ['a token that is not a string', async () => 42],
    [
      'a token signed with another key',
      async () =>
        new JwtService({ secret: 'another-secret-that-is-long-enough-0123456789' }).sign({
          sub: await adminId(),
          tv: 0,
          sid: await sessionId(),
        }),
    ],
    [
      'an expired token',
      async () =>
        new JwtService({ secret: og.ctx.env().JWT_SECRET }).sign(
          { sub: await adminId(), tv: 0, sid: await sessionId() },
          { expiresIn: -60 },
        ),
    ],
    [
      'a token for a user that does not exist',
      async () =>
        new JwtService({ secret: og.ctx.env().JWT_SECRET }).sign({
          sub: '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11',
          tv: 0,
          sid: await sessionId(),
        }),
    ],
    [
      'a token without a session',
      async () => new JwtService({ secret: og.ctx.env().JWT_SECRET }).sign({ sub: await adminId(), tv: 0 }),
    ],
    [
      'a token of a session that ended',
      async () =>
        new JwtService({ secret: og.ctx.env().JWT_SECRET }).sign({
          sub: await adminId(),
          tv: 0,
          sid: await endedSession(),
        }),
    ],
  ])('refuses a socket with %s', async (_name, makeToken) => {
    await expect(LiveClient.connect(og.oreguard.baseUrl, (await makeToken()) as string)).rejects.toThrow(
      /^unauthorized/,
    );
  });

  it('accepts a token signed with the right key for the admin (the refusals above are not for another reason)', async () => {
    const signed = new JwtService({ secret: og.ctx.env().JWT_SECRET }).sign(
      { sub: await adminId(), tv: 0, sid: await sessionId() },
      { expiresIn: 60 },
    );
    const client = await LiveClient.connect(og.oreguard.baseUrl, signed);
    clients.push(client);
    expect(client.socket.connected).toBe(true);
    client.close();
  });

  it.each<[string, unknown, RegExp]>([
    ['no after', {}, /^after: required$/],
    ['after as a string', { after: 'kolwezi-1' }, /^after: must be (an object|a record) \(got "kolwezi-1"\)$/],
    ['a negative seq', { after: { [SITE]: -1 } }, /^after\.kolwezi-1: must be at least 0 \(got -1\)$/],
    ['a fractional seq', { after: { [SITE]: 1.5 } }, /^after\.kolwezi-1: must be an integer \(got 1\.5\)$/],
    ['a seq as text', { after: { [SITE]: '3' } }, /^after\.kolwezi-1: must be a number \(got "3"\)$/],
    // The fault is the key: the error must show the site id, not blame the seq (3).
    ['a bad site id', { after: { 'Kolwezi 1': 3 } }, /^after(\.Kolwezi 1)?: (site id |key )?"Kolwezi 1" must match /],
    ['an extra field', { after: {}, since: 3 }, /^since: unknown field "since"$/],
    ['no body at all', undefined, /^resume: /],
  ])('answers a resume with %s with ok: false and the fault', async (_name, body, error) => {
    const client = await connect();
    const answer = (await client.socket.timeout(5000).emitWithAck('resume', body)) as { ok: boolean; error?: string };
    expect(answer).toEqual({ ok: false, error: expect.stringMatching(error) });
    // The socket stays usable: a well-formed resume is then taken.
    expect(await client.resume({ [SITE]: 0 })).toEqual({ ok: true, sites: [SITE] });
    client.close();
  });
});
