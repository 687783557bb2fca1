import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { login } from '../support/live-client';
import { requirePromtool } from '../support/promtool';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

type LogLine = Record<string, unknown> & { level: string; msg: string };

/**
 * What an operator reads: one JSON line per request with its route pattern, status, duration,
 * user and request id (never a token); and the metrics dashboards expect, under the names stock
 * dashboards use, clean for `promtool check metrics`.
 */
describe('logs and metrics of a running OreGuard', () => {
  let ctx: TestContext;
  let oreguard: OreGuardProcess;

  beforeAll(async () => {
    ctx = await createTestContext('observability');
    oreguard = new OreGuardProcess(
      ctx.env({ PORT: String(await freePort()), LOG_LEVEL: 'info', OREGUARD_BUILD_COMMIT: 'abc1234' }),
    );
    await oreguard.start();
  }, 60_000);

  afterAll(async () => {
    await oreguard?.stop();
    await ctx?.dispose();
  });

  const lines = (): LogLine[] =>
    oreguard.output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const accessLines = () => lines().filter((line) => line.context === 'HTTP');
  const scrape = async () => (await fetch(`${oreguard.baseUrl}/api/v1/metrics`)).text();

  it('logs one JSON line per request, with the route pattern and the user, and no token or password', async () => {
    const token = await login(oreguard.baseUrl);
    const missing = randomUUID();
    const res = await fetch(`${oreguard.baseUrl}/api/v1/incidents/${missing}`, {
      headers: {
        authorization: `Bearer ${token}`,
        cookie: 'session=cookie-secret-value',
        'x-request-id': 'console-req-42',
      },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('console-req-42');

    await waitFor(() => accessLines().some((line) => line.reqId === 'console-req-42'), { what: 'the access-log line' });
    const line = accessLines().find((l) => l.reqId === 'console-req-42')!;
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/api/v1/incidents/:id', status: 404 });
    expect(typeof line.durationMs).toBe('number');
    expect(line.userId).toEqual(expect.any(String));
    expect(accessLines().find((l) => l.route === '/api/v1/auth/login')).toMatchObject({ method: 'POST', status: 200 });
    // Every line is one JSON object (lines() would have thrown), and none carries a secret.
    expect(oreguard.output).not.toContain(token);
    expect(oreguard.output).not.toContain('admin-password');
    expect(oreguard.output).not.toContain('cookie-secret-value');
    expect(oreguard.output).not.toContain(missing);
    expect(oreguard.output.toLowerCase()).not.toContain('authorization');
  });

  it('gives the lines logged while serving a request its request id, a request with a body too', async () => {
    const res = await fetch(`${oreguard.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-login-1' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
    });
    expect(res.status).toBe(401);
    await waitFor(() => accessLines().some((line) => line.reqId === 'bad-login-1'), { what: 'the access-log line' });
    expect(lines().filter((line) => line.reqId === 'bad-login-1' && line.context === 'AuthService')).toEqual([
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^Failed login/) }),
    ]);
    expect(oreguard.output).not.toContain('not-the-password');
  });

  it('makes a request id where the client sent none or one that is not plain, and logs unknown paths under one route', async () => {
    for (const offered of [undefined, 'has spaces and "quotes"', 'x'.repeat(129)]) {
      const res = await fetch(`${oreguard.baseUrl}/api/v1/no-such-thing/${randomUUID()}?token=query-secret`, {
        headers: offered ? { 'x-request-id': offered } : {},
      });
      expect(res.status).toBe(404);
      const id = res.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await waitFor(() => accessLines().some((line) => line.reqId === id), { what: 'the access-log line' });
      expect(accessLines().find((line) => line.reqId === id)).toMatchObject({ route: 'unmatched', status: 404 });
    }
    expect(oreguard.output).not.toContain('query-secret');
  });

  it('leaves probes, the scrape and Nest’s route mapping out of the info log', async () => {
    expect(
      (await fetch(`${oreguard.baseUrl}/api/v1/health/ready`, { headers: { 'x-request-id': 'probe-1' } })).status,
    ).toBe(200);
    await scrape();
    // A request after them, logged: by then theirs would have been too.
    await fetch(`${oreguard.baseUrl}/api/v1/no-such-thing`, { headers: { 'x-request-id': 'after-probes' } });
    await waitFor(() => accessLines().some((line) => line.reqId === 'after-probes'), { what: 'the access-log line' });
    expect(accessLines().filter((line) => line.reqId === 'probe-1' || line.route === '/api/v1/metrics')).toEqual([]);
    expect(lines().filter((line) => line.context === 'RouterExplorer' || line.context === 'RoutesResolver')).toEqual(
      [],
    );
    expect(lines().some((line) => /^OreGuard started/.test(line.msg))).toBe(true);
  });

  it('exports HTTP, pool, MQTT, build and standard process metrics', async () => {
    await fetch(`${oreguard.baseUrl}/api/v1/health/live`);
    // The lease is taken just after start-up.
    await waitFor(async () => /^oreguard_correlator_lease_held 1$/m.test(await scrape()), {
      what: 'the correlation lease',
    });
    const text = await scrape();
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/health\/live",status_class="2xx"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} [1-9]/m,
    );
    expect(text).toMatch(/^oreguard_pg_pool_clients\{state="idle"\} \d+$/m);
    expect(text).toMatch(/^oreguard_pg_pool_clients\{state="busy"\} \d+$/m);
    expect(text).toMatch(/^oreguard_pg_pool_waiting_requests 0$/m);
    expect(text).toMatch(/^oreguard_mqtt_connected 1$/m);
    expect(text).toMatch(/^oreguard_ingest_messages_held \d+$/m);
    expect(text).toMatch(/^oreguard_correlator_lease_held 1$/m);
    for (const dependency of ['postgres', 'redis', 'mqtt'])
      expect(text).toMatch(new RegExp(`^oreguard_dependency_up\\{dependency="${dependency}"\\} 1$`, 'm'));
    expect(text).toMatch(
      new RegExp(
        `^oreguard_build_info\\{version="\\d+\\.\\d+\\.\\d+",commit="abc1234",node="${process.versions.node}"\\} 1$`,
        'm',
      ),
    );
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).not.toContain('oreguard_process_');
  });

  it('passes promtool check metrics', async () => {
    requirePromtool();
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: await scrape(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});
