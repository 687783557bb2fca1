import { aDroneEvent } from '../factories/events';
import { runCli } from '../support/cli';
import { LiveClient, login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * The CLI's API commands against a real OreGuard: incidents, silences, rules, gateway health,
 * with --json, audited under the API user and pushed live like a console's actions.
 */
describe('the CLI over the REST API', () => {
  const og = oreGuardForFile('cli-api', { untilIngesting: true });
  let env: Record<string, string>;
  let admin: string;

  beforeAll(async () => {
    env = { OREGUARD_URL: og.oreguard.baseUrl, OREGUARD_USERNAME: 'admin', OREGUARD_PASSWORD: 'admin-password' };
    admin = await login(og.oreguard.baseUrl);
  });

  it('lists, shows and acknowledges an incident; the acknowledgement is audited under the API user and pushed live', async () => {
    const gateway = await og.gateway('kolwezi-1', 'gw-1');
    await gateway.publish(aDroneEvent());
    const incident = await waitFor(
      async () =>
        (await og.rest(admin, 'GET', '/incidents?siteId=kolwezi-1&status=open')).body.items.find((i: any) =>
          i.kinds.includes('drone'),
        ),
      {
        what: 'a drone incident',
      },
    );

    const listed = await runCli(['incidents:list', '--site', 'kolwezi-1', '--status', 'open'], env);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(`${incident.id}  kolwezi-1  open`);
    const json = await runCli(['incidents:list', '--site', 'kolwezi-1', '--json'], env);
    expect(JSON.parse(json.stdout).items.map((i: any) => i.id)).toContain(incident.id);
    const shown = await runCli(['incidents:show', incident.id, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: incident.id,
      events: [expect.objectContaining({ kind: 'drone' })],
    });

    const live = await LiveClient.connect(og.oreguard.baseUrl, admin, { resumeAfter: {} });
    try {
      const acked = await runCli(['incidents:acknowledge', incident.id], { ...env, OREGUARD_TOKEN: admin });
      expect(acked).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(new RegExp(`^Acknowledged ${incident.id}  kolwezi-1  acknowledged`)),
      });
      await waitFor(
        () => live.messages.some((m) => m.incident.id === incident.id && m.incident.status === 'acknowledged'),
        { what: 'the acknowledgement pushed live' },
      );
    } finally {
      live.close();
    }
    const detail = (await og.rest(admin, 'GET', `/incidents/${incident.id}`)).body;
    expect(detail.timeline.find((t: any) => t.action === 'acknowledged')).toMatchObject({ actor: 'admin' });
    // Acknowledging twice is refused by the server, with its message.
    const again = await runCli(['incidents:acknowledge', incident.id], env);
    expect(again).toMatchObject({
      code: 65,
      stderr: expect.stringMatching(/^incidents:acknowledge: OreGuard refused: 409 /),
    });
  });

  it('adds, lists and expires a silence, audited as the API user', async () => {
    const added = await runCli(
      [
        'silences:add',
        '--site',
        'kolwezi-1',
        '--zone',
        'north-fence',
        '--duration',
        '2h',
        '--reason',
        'fence repair',
        '--json',
      ],
      env,
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const silence = JSON.parse(added.stdout);
    expect(silence).toMatchObject({
      siteId: 'kolwezi-1',
      zone: 'north-fence',
      reason: 'fence repair',
      createdBy: 'admin',
    });
    expect(Date.parse(silence.endsAt) - Date.now()).toBeGreaterThan(110 * 60_000);

    const listed = await runCli(['silences:list', '--site', 'kolwezi-1'], env);
    expect(listed.stdout).toMatch(
      new RegExp(`^${silence.id}  kolwezi-1 .* zone=north-fence  "fence repair" by admin$`, 'm'),
    );
    const expired = await runCli(['silences:expire', silence.id], env);
    expect(expired).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Expired .* expired=/) });
    expect((await runCli(['silences:list', '--site', 'kolwezi-1'], env)).stdout).toBe('No silences\n');

    const audit = await og.ctx.db.query(
      `SELECT actor, action FROM audit_log WHERE action LIKE 'silence.%' ORDER BY seq`,
    );
    expect(audit).toEqual([
      { actor: 'admin', action: 'silence.created' },
      { actor: 'admin', action: 'silence.expired' },
    ]);
    // A field the server refuses comes back with its message; a missing option is a usage error.
    expect(
      await runCli(
        ['silences:add', '--site', 'kolwezi-1', '--duration', '1h', '--kind', 'meteor', '--reason', 'x'],
        env,
      ),
    ).toMatchObject({ code: 65, stderr: expect.stringMatching(/400 .*kind/) });
    expect(await runCli(['silences:add', '--site', 'kolwezi-1', '--reason', 'x'], env)).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/--duration or --ends is required/),
    });
  });

  it('lists the rules and backtests them', async () => {
    const rules = await runCli(['rules:list', '--json'], env);
    expect(rules.code).toBe(0);
    expect(JSON.parse(rules.stdout).items.map((r: any) => r.id)).toContain('coordinated-intrusion');
    const now = Date.now();
    const backtest = await runCli(
      [
        'rules:backtest',
        '--site',
        'kolwezi-1',
        '--from',
        new Date(now - 3600_000).toISOString(),
        '--to',
        new Date(now + 60_000).toISOString(),
      ],
      env,
    );
    expect(backtest).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^\d+ events replayed; \d+ incidents would open; \d+ exist in the window/),
    });
    expect(Number(/^(\d+) events replayed/.exec(backtest.stdout)![1])).toBeGreaterThan(0);
  });

  it("shows a site's gateway health and seq gaps", async () => {
    const gateway = await og.gateway('kolwezi-1', 'gw-gaps');
    await gateway.publish(aDroneEvent({ seq: 1 }));
    await gateway.publish(aDroneEvent({ seq: 5 }));
    await waitFor(
      async () => (await og.ctx.db.query(`SELECT 1 FROM gateway_seq_gaps WHERE gateway_id = 'gw-gaps'`)).length > 0,
      { what: 'the seq gap 2–4' },
    );
    const health = await runCli(['gateways:health', 'kolwezi-1'], env);
    expect(health).toMatchObject({ code: 0, stderr: '' });
    expect(health.stdout).toMatch(/^gw-gaps {2}.* last seq 5 /m);
    const gaps = await runCli(['gateways:seq-gaps', 'kolwezi-1', '--json'], env);
    const mine = JSON.parse(gaps.stdout).items.find((g: any) => g.gatewayId === 'gw-gaps');
    expect([...mine.recent, ...mine.pending.ranges]).toEqual([expect.objectContaining({ fromSeq: 2, toSeq: 4 })]);
  });

  it('gives every existing command --json too', async () => {
    const users = await runCli(['users:list', '--json'], { DATABASE_URL: og.ctx.databaseUrl });
    expect(users.code).toBe(0);
    const parsed = JSON.parse(users.stdout);
    expect(parsed.items[0]).toMatchObject({ username: 'admin', role: 'admin' });
    expect(users.stdout).not.toMatch(/passwordHash|argon/);
    const sites = await runCli(['sites:list', '--json'], { DATABASE_URL: og.ctx.databaseUrl });
    expect(JSON.parse(sites.stdout).items.map((s: any) => s.id)).toContain('kolwezi-1');
  });

  it('explains missing credentials, wrong credentials and an unreachable OreGuard', async () => {
    expect(await runCli(['rules:list'], { OREGUARD_URL: og.oreguard.baseUrl })).toMatchObject({
      code: 78,
      stderr: expect.stringMatching(/set OREGUARD_TOKEN/),
    });
    expect(await runCli(['rules:list'], { ...env, OREGUARD_PASSWORD: 'wrong-password' })).toMatchObject({
      code: 77,
      stderr: expect.stringMatching(/refused: 401/),
    });
    expect(await runCli(['rules:list', '--url', 'http://127.0.0.1:1'], env)).toMatchObject({
      code: 69,
      stderr: expect.stringMatching(/cannot reach OreGuard at http:\/\/127\.0\.0\.1:1/),
    });
  });
});
