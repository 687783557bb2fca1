import { io } from 'socket.io-client';
import { login } from '../support/live-client';
import { startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';

describe('what a browser from elsewhere gets', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>>;
  let token: string;

  beforeAll(async () => {
    ctx = await createTestContext('hardening');
    oreguard = await startInProcess(ctx.env({ CORS_ORIGINS: 'https://console.oreguard.example' }));
    token = await login(oreguard.baseUrl);
  });

  afterAll(async () => {
    await oreguard?.close();
    await ctx?.dispose();
  });

  it('sends security headers and allows cross-origin calls from the configured origin only', async () => {
    const res = await fetch(`${oreguard.baseUrl}/api/v1/health/live`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${oreguard.baseUrl}/api/v1/health/live`, { headers: { origin: 'https://console.oreguard.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.oreguard.example');
  });

  it('refuses a /live socket opened from another origin, even with a valid token', async () => {
    const connect = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = io(`${oreguard.baseUrl}/live`, {
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
    const res = await fetch(`${oreguard.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'y'.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    const text = await res.text();
    expect(text).not.toMatch(/at \w+ \(/);
    expect(JSON.parse(text)).toMatchObject({ statusCode: 413 });
  });
});
