import { io } from 'socket.io-client';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

describe('what a browser from elsewhere gets', () => {
  const og = oreGuardForFile('hardening', { env: { CORS_ORIGINS: 'https://console.oreguard.example' } });
  let token: string;

  beforeAll(async () => {
    token = await login(og.oreguard.baseUrl);
  });

  it('sends security headers and allows cross-origin calls from the configured origin only', async () => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/health/live`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${og.oreguard.baseUrl}/api/v1/health/live`, {
      headers: { origin: 'https://console.oreguard.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.oreguard.example');
  });

  it('refuses a /live socket opened from another origin, even with a valid token', async () => {
    const connect = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = io(`${og.oreguard.baseUrl}/live`, {
          auth: { token },
          transports: ['websocket'],
          extraHeaders: { origin },
          reconnection: false,
          forceNew: true,
        });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
      });
    expect(await connect('https://evil.example')).toMatch(/^refused/);
    expect(await connect('https://console.oreguard.example')).toBe('connected');
  });

  it('answers an oversized body with 413 and no stack trace', async () => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'y'.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    const text = await res.text();
    expect(text).not.toMatch(/at \w+ \(/);
    expect(JSON.parse(text)).toMatchObject({ statusCode: 413 });
  });

  const call = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: JSON.parse(text) as { statusCode: number; error: string; message: string },
    };
  };

  it('refuses a JSON body over REQUEST_BODY_LIMIT_BYTES (64 KiB) with 413 in the error shape; a smaller one is read', async () => {
    const note = (bytes: number) => JSON.stringify({ text: 'n'.repeat(bytes - 11) }); // {"text":"…"} is 11 bytes of framing
    const over = await call('POST', '/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11/notes', note(64 * 1024 + 1));
    expect(over.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'body: larger than 65536 bytes',
    });
    // Just under the limit the body is parsed, and refused by its schema instead.
    const under = await call('POST', '/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11/notes', note(64 * 1024));
    expect(under).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^text: must be at most 4000 characters/) },
    });
  });

  it.each([
    ['a query parameter out of range', 'GET', '/incidents?limit=501', undefined, /^limit: must be at most 500/],
    ['a malformed time', 'GET', '/events?from=yesterday', undefined, /^from: /],
    ['an unknown query parameter', 'GET', '/sites?everything=1', undefined, /^everything: unknown field "everything"/],
    [
      'an unknown query parameter on one incident',
      'GET',
      '/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11?verbose=1',
      undefined,
      /^verbose: unknown field/,
    ],
    [
      'a body for an action that takes none',
      'POST',
      '/incidents/7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11/acknowledge',
      '{"force":true}',
      /^force: unknown field "force"/,
    ],
    [
      'a wrong type in a body',
      'POST',
      '/users',
      '{"username":"x","password":"long-enough-pw","role":"lead","siteIds":"kolwezi-1"}',
      /^siteIds: must be/,
    ],
    ['invalid JSON', 'POST', '/users', '{"username":', /^body: invalid JSON$/],
    ['a path parameter that is not a uuid', 'GET', '/incidents/42', undefined, /^params: /],
  ])('answers %s with 400 naming the field', async (_what, method, path, body, message) => {
    const res = await call(method, path, body);
    expect(res).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) },
    });
  });

  it('hides a database failure behind a plain 500: no SQL, no stack trace', async () => {
    // Break this test's own database under the running server.
    await og.ctx.db.query('ALTER TABLE incidents RENAME TO incidents_away');
    try {
      const res = await call('GET', '/incidents');
      expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
      expect(res.text).not.toMatch(/incidents_away|relation|SELECT|\bat \S+ \(/);
    } finally {
      await og.ctx.db.query('ALTER TABLE incidents_away RENAME TO incidents');
    }
  });
});
