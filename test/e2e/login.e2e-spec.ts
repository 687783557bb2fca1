import { request } from 'node:http';
import { hashPassword } from '../../src/auth/password-hash';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

/** Per username and address: 3 failures, then waits. Per username from every address: 6. Waits long enough to outlast the test. */
const ENV = {
  LOGIN_MAX_FAILURES: '3',
  LOGIN_ACCOUNT_MAX_FAILURES: '6',
  LOGIN_BACKOFF_BASE_MS: '60000',
  LOGIN_BACKOFF_MAX_MS: '120000',
  LOGIN_RATE_PER_MINUTE: '12',
};

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { statusCode: number; error: string; message: string; details?: { retryAfterS: number }; accessToken?: string };
}

/**
 * Logging in from a chosen client address: every 127.x.y.z is this machine, so a connection
 * from 127.0.0.2 and one from 127.0.0.3 are two clients to OreGuard.
 */
describe('logging in', () => {
  const og = oreGuardForFile('login', { env: ENV });

  const attempt = (from: string, username: string, password: string) =>
    new Promise<Answer>((resolve, reject) => {
      const url = new URL(`${og.oreguard.baseUrl}/api/v1/auth/login`);
      const body = JSON.stringify({ username, password });
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: (res.headers['retry-after'] as string) ?? null,
              body: JSON.parse(text),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const failures = async (from: string, username: string, n: number) => {
    const answers: Answer[] = [];
    for (let i = 0; i < n; i++) answers.push(await attempt(from, username, 'wrong-password'));
    return answers;
  };
  /** What a client can compare between two answers: everything but the seconds to wait. */
  const shape = (a: Answer) =>
    JSON.stringify({ ...a, retryAfter: a.retryAfter && 'n', body: a.body }).replace(/\d+ s\b|"retryAfterS":\d+/g, 'n');

  let admin: string;
  beforeAll(async () => {
    admin = await login(og.oreguard.baseUrl);
    await og.ctx.db.query(
      `INSERT INTO users (id, username, password_hash, role) VALUES (gen_random_uuid(), 'lead-1', $1, 'lead')`,
      [await hashPassword('a-long-password')],
    );
  });

  it('answers a name that exists and one that does not alike: the same 401s, then the same 429 with Retry-After', async () => {
    const known = await failures('127.0.0.2', 'lead-1', 4);
    const unknown = await failures('127.0.0.2', 'nobody', 4);
    for (const answers of [known, unknown]) {
      expect(answers.slice(0, 3)).toEqual(
        Array(3).fill({
          status: 401,
          retryAfter: null,
          body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' },
        }),
      );
      expect(answers[3]).toMatchObject({
        status: 429,
        body: {
          statusCode: 429,
          error: 'Too Many Requests',
          message: expect.stringMatching(/^Too many failed logins: try again in \d+ s$/),
        },
      });
      expect(Number(answers[3]!.retryAfter)).toBeGreaterThan(50);
      expect(Number(answers[3]!.retryAfter)).toBe(answers[3]!.body.details?.retryAfterS);
    }
    expect(known.map(shape)).toEqual(unknown.map(shape));
  });

  it('holds the right password back too from the throttled address, but lets the user in from another', async () => {
    expect((await attempt('127.0.0.2', 'lead-1', 'a-long-password')).status).toBe(429);
    const elsewhere = await attempt('127.0.0.3', 'lead-1', 'a-long-password');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.accessToken).toEqual(expect.any(String));
  });

  it('slows a guesser spread over addresses from every new address, but not the user at an address they logged in from', async () => {
    // 3 failures from 127.0.0.2 already; 3 more from 127.0.0.4 make 6 from all addresses.
    await failures('127.0.0.4', 'lead-1', 3);
    await failures('127.0.0.4', 'nobody', 3);
    const fresh = await attempt('127.0.0.5', 'lead-1', 'a-long-password');
    const freshUnknown = await attempt('127.0.0.5', 'nobody', 'whatever');
    expect(fresh).toMatchObject({ status: 429, body: { message: expect.stringMatching(/^Too many failed logins/) } });
    expect(shape(fresh)).toEqual(shape(freshUnknown));
    expect((await attempt('127.0.0.3', 'lead-1', 'a-long-password')).status).toBe(200);
  });

  it('shows admins the throttles of every name tried, and lets them clear one; each step is audited', async () => {
    const list = await og.rest(admin, 'GET', '/users/login-throttles');
    expect(list.status).toBe(200);
    const rows = list.body.items as {
      username: string;
      address: string | null;
      failures: number;
      blockedUntil: string | null;
    }[];
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'lead-1', address: null, failures: 6, blockedUntil: expect.any(String) }),
        expect.objectContaining({
          username: 'lead-1',
          address: expect.stringMatching(/127\.0\.0\.2$/),
          failures: 3,
          blockedUntil: expect.any(String),
        }),
        expect.objectContaining({ username: 'nobody', address: null, failures: 6 }),
      ]),
    );

    const cleared = await og.rest(admin, 'DELETE', '/users/login-throttles/lead-1');
    expect(cleared).toMatchObject({ status: 200, body: { username: 'lead-1', cleared: 3 } });
    expect((await attempt('127.0.0.2', 'lead-1', 'a-long-password')).status).toBe(200);
    expect((await attempt('127.0.0.2', 'nobody', 'whatever')).status).toBe(429);

    const actions = async (action: string) =>
      (await og.rest(admin, 'GET', `/audit?action=${action}&limit=500`)).body.items as {
        actor: string;
        details: Record<string, unknown>;
      }[];
    const failed = await actions('auth.login-failed');
    expect(failed.filter((e) => e.actor === 'lead-1').length).toBe(6);
    expect(failed.filter((e) => e.actor === 'nobody').length).toBe(6);
    expect(failed.find((e) => e.actor === 'lead-1' && e.details.failuresFromAll === 6)?.details).toMatchObject({
      reason: 'wrong-password',
      allAddressesWaitS: 60,
    });
    const throttled = await actions('auth.login-throttled');
    expect(throttled.map((e) => e.actor).sort()).toEqual(['lead-1', 'lead-1', 'lead-1', 'nobody', 'nobody', 'nobody']);
    expect(await actions('auth.login-throttle-cleared')).toMatchObject([
      { actor: 'admin', details: { username: 'lead-1', cleared: 3 } },
    ]);
  });

  it('refuses to show or clear throttles for anyone but an admin', async () => {
    const lead = await login(og.oreguard.baseUrl, 'lead-1', 'a-long-password');
    expect((await og.rest(lead, 'GET', '/users/login-throttles')).status).toBe(403);
    expect((await og.rest(lead, 'DELETE', '/users/login-throttles/nobody')).status).toBe(403);
  });

  it('limits the login attempts of one address per minute, throttled ones included, with Retry-After', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 13; i++) answers.push(await attempt('127.0.0.9', 'someone', 'whatever'));
    expect(answers.map((a) => a.status)).toEqual([...Array(3).fill(401), ...Array(10).fill(429)]);
    expect(answers[11]!.body.message).toMatch(/^Too many failed logins/);
    expect(answers[12]).toMatchObject({
      status: 429,
      body: { message: expect.stringMatching(/^Too many login attempts from this address; try again in \d+ s$/) },
    });
    expect(Number(answers[12]!.retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
