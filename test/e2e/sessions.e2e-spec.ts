import { LiveClient } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

interface Tokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  role: string;
}

describe('sessions: refresh, logout and revocation', () => {
  const og = oreGuardForFile('sessions');

  const call = async (method: string, path: string, { token, body }: { token?: string; body?: object } = {}) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const logIn = async (username = 'admin', password = 'admin-password'): Promise<Tokens> => {
    const res = await call('POST', '/auth/login', { body: { username, password } });
    expect(res.status).toBe(200);
    return res.body as Tokens;
  };
  const refresh = (refreshToken: string) => call('POST', '/auth/refresh', { body: { refreshToken } });
  const whoCanList = (token: string) => call('GET', '/sites', { token }).then((r) => r.status);

  it('gives a refresh token (and the role, for a console to know what to offer) at login and stores only its hash', async () => {
    const tokens = await logIn();
    expect(tokens).toMatchObject({
      accessToken: expect.any(String),
      expiresIn: 3600,
      refreshToken: expect.any(String),
      role: 'admin',
    });
    const stored = await og.ctx.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.map((r) => r.token_hash)).not.toContain(tokens.refreshToken);
  });

  it('rotates the refresh token: a new pair for the same session, and the next refresh works too', async () => {
    const first = await logIn();
    const rotated = await refresh(first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      accessToken: expect.any(String),
      expiresIn: 3600,
      refreshToken: expect.any(String),
      role: 'admin',
    });
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(await whoCanList(rotated.body.accessToken)).toBe(200);
    // The access token from login belongs to the same, still live session.
    expect(await whoCanList(first.accessToken)).toBe(200);
    expect((await refresh(rotated.body.refreshToken)).status).toBe(200);
  });

  it('takes a used refresh token presented again as stolen: the whole session is revoked', async () => {
    const first = await logIn();
    const rotated = (await refresh(first.refreshToken)).body as Tokens;

    const replay = await refresh(first.refreshToken);
    expect(replay).toMatchObject({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/^refreshToken: already used/) },
    });
    // Whoever holds the newer tokens is cut off too: the thief may be the one who refreshed first.
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    expect(await whoCanList(rotated.accessToken)).toBe(401);
    expect(await whoCanList(first.accessToken)).toBe(401);
    // Other sessions of the same user are untouched.
    expect(await whoCanList((await logIn()).accessToken)).toBe(200);
  });

  it('refuses an unknown refresh token and names the field of a malformed request', async () => {
    expect(await refresh('not-a-token')).toMatchObject({
      status: 401,
      body: { message: 'refreshToken: not a valid refresh token' },
    });
    expect(await call('POST', '/auth/refresh', { body: {} })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^refreshToken: required/) },
    });
  });

  it('logs out: the next request with that session is 401, its live socket is closed, other sessions go on', async () => {
    const mine = await logIn();
    const other = await logIn();
    const live = await LiveClient.connect(og.oreguard.baseUrl, mine.accessToken);
    const otherLive = await LiveClient.connect(og.oreguard.baseUrl, other.accessToken);
    try {
      expect(await call('POST', '/auth/logout', { token: mine.accessToken })).toMatchObject({ status: 204 });

      expect(await call('GET', '/sites', { token: mine.accessToken })).toMatchObject({
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'A valid bearer token is required' },
      });
      expect((await refresh(mine.refreshToken)).status).toBe(401);
      await waitFor(() => !live.socket.connected, { what: 'the logged-out session’s socket to be closed' });
      // A new socket with the logged-out token is refused at the handshake.
      await expect(LiveClient.connect(og.oreguard.baseUrl, mine.accessToken)).rejects.toThrow(/unauthorized/);

      expect(await whoCanList(other.accessToken)).toBe(200);
      expect(otherLive.socket.connected).toBe(true);
    } finally {
      live.close();
      otherLive.close();
    }
  });

  it('a password change ends every session of the user: refresh tokens too', async () => {
    const admin = await logIn();
    const created = await call('POST', '/users', {
      token: admin.accessToken,
      body: { username: 'lead-7', password: 'first-password', role: 'lead' },
    });
    expect(created.status).toBe(201);
    const lead = await logIn('lead-7', 'first-password');
    const live = await LiveClient.connect(og.oreguard.baseUrl, lead.accessToken);
    try {
      const changed = await call('PATCH', `/users/${created.body.id}`, {
        token: admin.accessToken,
        body: { password: 'second-password' },
      });
      expect(changed.status).toBe(200);

      expect(await whoCanList(lead.accessToken)).toBe(401);
      expect(await refresh(lead.refreshToken)).toMatchObject({
        status: 401,
        body: { message: expect.stringMatching(/^refreshToken: the session has ended/) },
      });
      await waitFor(() => !live.socket.connected, { what: 'the socket of the changed account to be closed' });
      expect(await whoCanList((await logIn('lead-7', 'second-password')).accessToken)).toBe(200);
    } finally {
      live.close();
    }
  });

  it('a role change keeps the session: a refresh gives a token of the new role', async () => {
    const admin = await logIn();
    const created = await call('POST', '/users', {
      token: admin.accessToken,
      body: { username: 'op-9', password: 'operator-password', role: 'operator', siteIds: ['kolwezi-1'] },
    });
    const operator = await logIn('op-9', 'operator-password');
    expect((await call('GET', '/rejected-events', { token: operator.accessToken })).status).toBe(403);

    await call('PATCH', `/users/${created.body.id}`, { token: admin.accessToken, body: { role: 'lead' } });
    expect(await whoCanList(operator.accessToken)).toBe(401); // the old token named the old role
    const renewed = await refresh(operator.refreshToken);
    expect(renewed.status).toBe(200);
    expect((await call('GET', '/rejected-events', { token: renewed.body.accessToken })).status).toBe(200);
  });

  it('a disabled account cannot refresh', async () => {
    const admin = await logIn();
    const created = await call('POST', '/users', {
      token: admin.accessToken,
      body: { username: 'lead-8', password: 'lead-password', role: 'lead' },
    });
    const lead = await logIn('lead-8', 'lead-password');
    await call('PATCH', `/users/${created.body.id}`, { token: admin.accessToken, body: { disabled: true } });
    expect((await refresh(lead.refreshToken)).status).toBe(401);
    expect(await whoCanList(lead.accessToken)).toBe(401);
  });
});
