import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../src/correlation/load-rules';
import { runBacktest } from '../../src/rules/backtest.use-case';
import { aCyberEvent, aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';
const ROOT = join(__dirname, '..', '..');
const ruleFile = (name: string) => ({ name, text: readFileSync(join(ROOT, 'rules', name), 'utf8') });

describe('rules backtest', () => {
  const og = oreGuardForFile('rules_backtest');
  let gateway: TestGateway;
  let admin: string;
  let operator: string;
  const start = Date.now() - 3600_000;
  const from = new Date(start - 60_000).toISOString();
  const to = new Date(start + 600_000).toISOString();
  const failures = Array.from({ length: 10 }, (_, i) =>
    aCyberEvent({
      occurredAt: new Date(start + i * 10_000).toISOString(),
      cyber: {
        category: 'auth_failure',
        signature: 'SSH login failed',
        srcIp: '10.20.0.99',
        dstIp: '10.30.1.7',
        network: 'it',
      },
    }),
  );
  const noise = [
    aCyberEvent({ occurredAt: new Date(start + 5_000).toISOString() }),
    aTheftEvent({ occurredAt: new Date(start + 20_000).toISOString() }),
    aCyberEvent({
      occurredAt: new Date(start + 30_000).toISOString(),
      cyber: {
        category: 'auth_failure',
        signature: 'SSH login failed',
        srcIp: '10.20.0.7',
        dstIp: '10.30.1.7',
        network: 'it',
      },
    }),
  ];

  const call = og.rest;

  const liveData = async () => ({
    events: (await og.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM events'))[0].n,
    incidents: await og.ctx.db.query(
      'SELECT id, status, event_count, last_seen_at, updated_at FROM incidents ORDER BY id',
    ),
  });

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
    const all = [...failures, ...noise];
    for (const event of all) await gateway.publish(event);
    const ids = all.map((e) => e.eventId);
    await waitFor(
      () =>
        og.ctx.db
          .query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_id = ANY($1) AND folded_at IS NOT NULL', [
            ids,
          ])
          .then(([r]) => Number(r.n) === ids.length),
      { what: `${ids.length} events folded` },
    );
    // Live correlation has taken them up too (backtests below compare against a still database).
    await waitFor(
      () =>
        og.ctx.db
          .query(`SELECT 1 FROM incidents WHERE 'brute-force' = ANY(rule_ids)`)
          .then((rows) => rows.length === 1),
      { what: 'the live brute-force escalation' },
    );
  });

  it('lists the loaded rules to leads, not to operators', async () => {
    const res = await call(admin, 'GET', '/rules');
    expect(res.status).toBe(200);
    const bruteForce = res.body.items.find((r: any) => r.id === 'brute-force');
    expect(bruteForce).toMatchObject({
      type: 'event_count',
      level: 'high',
      timespanMs: 120_000,
      groupBy: ['cyber.srcIp'],
      rules: ['auth-failure'],
    });
    expect(res.body.items.map((r: any) => r.id)).toEqual(
      expect.arrayContaining(['port-scan', 'drone-loitering', 'auth-failure']),
    );
    expect((await call(operator, 'GET', '/rules')).status).toBe(403);
    expect((await call(operator, 'POST', '/rules/backtest', { siteId: SITE, from, to })).status).toBe(403);
  });

  it('backtests the loaded rules: brute force from one source, beside the incidents that exist, without changing them', async () => {
    const before = await liveData();
    const res = await call(admin, 'POST', '/rules/backtest', { siteId: SITE, from, to });
    expect(res.status).toBe(200);
    expect(res.body.eventsReplayed).toBe(failures.length + noise.length);
    const bruteForce = res.body.wouldOpen.filter((m: any) => m.ruleId === 'brute-force');
    expect(bruteForce).toHaveLength(1);
    expect(bruteForce[0]).toMatchObject({ group: { 'cyber.srcIp': '10.20.0.99' }, eventCount: 10, severity: 'high' });
    const keys = await og.ctx.db.query<{ id: string }>(
      'SELECT id::text AS id FROM events WHERE event_id = ANY($1) ORDER BY id',
      [failures.map((e) => e.eventId)],
    );
    expect([...bruteForce[0].eventKeys].sort()).toEqual(keys.map((k) => k.id).sort());
    expect(res.body.byRule['brute-force'].wouldOpen).toBe(1);

    const incidents = await og.ctx.db.query<{ id: string }>(
      'SELECT id FROM incidents WHERE site_id = $1 ORDER BY first_seen_at, id',
      [SITE],
    );
    expect(incidents.length).toBeGreaterThan(0);
    expect(res.body.existing.map((i: any) => i.id)).toEqual(incidents.map((i) => i.id));
    expect(await liveData()).toEqual(before);

    // Read in small pages, the replay is the same: no event lost or doubled at a page boundary.
    const paged = await runBacktest(
      og.ctx.db,
      loadRules(join(ROOT, 'rules')),
      { siteId: SITE, from: new Date(from), to: new Date(to) },
      3,
    );
    expect(paged).toEqual(res.body);

    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths['/rules/backtest'])).toEqual(['post']);

    const audit = await og.ctx.db.query<{ details: any }>(
      `SELECT details FROM audit_log WHERE action = 'rules.backtest'`,
    );
    expect(audit.at(-1)?.details).toMatchObject({ siteId: SITE, from, to, candidateFiles: null });
  });

  it('backtests a candidate rule set: a higher threshold opens nothing; a broken one is a 400 listing its problems', async () => {
    const raised = ruleFile('brute-force.yml');
    raised.text = raised.text.replace('gte: 10', 'gte: 50');
    const res = await call(admin, 'POST', '/rules/backtest', { siteId: SITE, from, to, rules: [raised] });
    expect(res.status).toBe(200);
    expect(res.body.rules).toEqual(['auth-failure', 'brute-force']);
    expect(res.body.wouldOpen).toEqual([]);
    expect(res.body.byRule['brute-force']).toEqual({ wouldOpen: 0, existing: expect.any(Number) });

    const broken = await call(admin, 'POST', '/rules/backtest', {
      siteId: SITE,
      from,
      to,
      rules: [
        {
          name: 'broken.yml',
          text: 'title: x\nid: y\ncorrelation:\n  type: event_count\n  rules: [nowhere]\n  timespan: 2 minutes\n',
        },
      ],
    });
    expect(broken.status).toBe(400);
    expect(broken.body.details.problems.length).toBeGreaterThan(0);
    expect(broken.body.details.problems[0]).toMatchObject({ file: 'broken.yml', document: 1 });
    const yaml = await call(admin, 'POST', '/rules/backtest', {
      siteId: SITE,
      from,
      to,
      rules: [{ name: 'bad.yml', text: 'id: [unclosed' }],
    });
    expect(yaml.status).toBe(400);
    expect(yaml.body.details.problems[0].file).toBe('bad.yml');
  });

  it('answers a bad request with a 400 naming the field, and an unknown site with 404', async () => {
    const tooLong = new Date(Date.parse(from) + 32 * 24 * 3600_000).toISOString();
    for (const [body, field] of [
      [{ siteId: SITE, from: 'yesterday', to }, 'from'],
      [{ siteId: SITE, from, to: tooLong }, 'to'],
      [{ siteId: SITE, from: to, to: from }, 'to'],
      [{ from, to }, 'siteId'],
    ] as const) {
      const res = await call(admin, 'POST', '/rules/backtest', body);
      expect([res.status, res.body.message.split(':')[0]]).toEqual([400, field]);
    }
    expect((await call(admin, 'POST', '/rules/backtest', { siteId: 'nowhere-9', from, to })).status).toBe(404);
  });

  it('runs from the command line against the same database, printing the brute-force line and writing the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oreguard-backtest-'));
    try {
      const before = await liveData();
      const run = (args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          const child = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'rules-backtest.js'), ...args], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? '', DATABASE_URL: og.ctx.databaseUrl },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stdout, stderr }));
        });

      const ok = await run(['--rules', join(ROOT, 'rules'), '--site', SITE, '--from', from, '--to', to]);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      expect(ok.stdout).toMatch(
        /^ {2}brute-force \[high\] .* 10 events cyber\.srcIp=10\.20\.0\.99: Brute force from one source$/m,
      );
      expect(ok.stdout).toMatch(/^brute-force +1 +\d+$/m);
      const written = readdirSync(dir).filter((f) => f.startsWith(`backtest-${SITE}-`) && f.endsWith('.json'));
      expect(written).toHaveLength(1);
      const json = JSON.parse(readFileSync(join(dir, written[0]), 'utf8'));
      expect(json).toMatchObject({
        siteId: SITE,
        eventsReplayed: failures.length + noise.length,
        byRule: { 'brute-force': { wouldOpen: 1 } },
      });
      expect(await liveData()).toEqual(before);

      const out = join(dir, 'chosen.json');
      expect(
        (await run(['--rules', join(ROOT, 'rules'), '--site', SITE, '--from', from, '--to', to, '--out', out])).code,
      ).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).wouldOpen).toHaveLength(json.wouldOpen.length);

      const badDate = await run(['--rules', join(ROOT, 'rules'), '--site', SITE, '--from', 'last week', '--to', to]);
      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toMatch(/^--from: /);
      const unknown = await run(['--rules', join(ROOT, 'rules'), '--site', 'nowhere-9', '--from', from, '--to', to]);
      expect([unknown.code, unknown.stderr]).toEqual([2, '--site: no site nowhere-9\n']);
      const brokenDir = join(dir, 'broken');
      mkdirSync(brokenDir);
      writeFileSync(
        join(brokenDir, 'bad.yml'),
        'title: x\nid: y\ncorrelation:\n  type: event_count\n  rules: [nowhere]\n  timespan: 2m\n',
      );
      const broken = await run(['--rules', brokenDir, '--site', SITE, '--from', from, '--to', to]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/bad\.yml \(document 1, rule y/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("judges a breach by the site's health history: a camera covering the fence was offline", async () => {
    // The camera covers north-fence and reported a fault a minute before the breach (start + 20 s):
    // in its history, and as its newest change on its row, as the health writer keeps them.
    const faultAt = new Date(start - 60_000);
    await og.ctx.db.query(
      `INSERT INTO sensors (site_id, id, gateway_id, state, state_at, health_changed_at, health_changed_to)
       VALUES ($1, 'cam-2', 'gw-1', 'fault', $2, $2, 'fault')`,
      [SITE, faultAt],
    );
    await og.ctx.db.query(
      `INSERT INTO sensor_zones (site_id, sensor_id, zone, source) VALUES ($1, 'cam-2', 'north-fence', 'admin')`,
      [SITE],
    );
    await og.ctx.db.query(
      `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason)
       VALUES ($1, 'gw-1', 'sensor', 'cam-2', 'fault', $2, 'test: lens covered')`,
      [SITE, faultAt],
    );
    const res = await call(admin, 'POST', '/rules/backtest', { siteId: SITE, from, to });
    expect(res.status).toBe(200);
    const blind = res.body.wouldOpen.filter((m: any) => m.ruleId === 'breach-in-blind-zone');
    expect(blind).toHaveLength(1);
    expect(blind[0]).toMatchObject({ severity: 'critical', eventCount: 1, group: { zone: 'north-fence' } });
    expect(blind[0].reason).toContain('while cam-2 was offline');
  });
});
