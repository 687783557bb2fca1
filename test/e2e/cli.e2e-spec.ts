import { runCli } from '../support/cli';
import { LiveClient, login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/** The CLI as run on a production host: DATABASE_URL only, no JWT_SECRET. */
describe('the administration CLI', () => {
  const og = oreGuardForFile('cli');
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    cliEnv = { NODE_ENV: 'production', DATABASE_URL: og.ctx.databaseUrl };
  });

  it('creates an operator whose password comes from standard input; the operator can log in and sees their sites only', async () => {
    const created = await runCli(
      ['users:create', '--username', 'op-north', '--role', 'operator', '--sites', 'kolwezi-1', '--password-stdin'],
      cliEnv,
      'north-gate-password\n',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created op-north \(operator\) sites=kolwezi-1 id=[0-9a-f-]{36}\n$/);

    const token = await login(og.oreguard.baseUrl, 'op-north', 'north-gate-password');
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/incidents?siteId=tarkwa-2`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);

    const listed = await runCli(['users:list'], cliEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^admin \(admin\) id=.*\nop-north \(operator\) sites=kolwezi-1 id=/);
  });

  it('disabling a user from the CLI closes their live socket at once and refuses their token', async () => {
    await runCli(
      ['users:create', '--username', 'op-south', '--role', 'operator', '--sites', 'tarkwa-2', '--password-stdin'],
      cliEnv,
      'south-gate-password',
    );
    const token = await login(og.oreguard.baseUrl, 'op-south', 'south-gate-password');
    const live = await LiveClient.connect(og.oreguard.baseUrl, token);
    try {
      const disabled = await runCli(['users:disable', '--username', 'op-south'], cliEnv);
      expect(disabled).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Disabled/) });
      await waitFor(() => !live.socket.connected, { what: 'the disabled user’s socket to be closed' });
      const res = await fetch(`${og.oreguard.baseUrl}/api/v1/sites`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      await expect(login(og.oreguard.baseUrl, 'op-south', 'south-gate-password')).rejects.toThrow(/401/);

      expect((await runCli(['users:enable', '--username', 'op-south'], cliEnv)).code).toBe(0);
      expect(await login(og.oreguard.baseUrl, 'op-south', 'south-gate-password')).toEqual(expect.any(String));
    } finally {
      live.close();
    }
  });

  it('resets a password, ending the sessions that used the old one; changes role and sites', async () => {
    await runCli(
      ['users:create', '--username', 'lead-east', '--role', 'lead', '--password-stdin'],
      cliEnv,
      'east-lead-password',
    );
    const oldToken = await login(og.oreguard.baseUrl, 'lead-east', 'east-lead-password');

    const reset = await runCli(
      ['users:reset-password', '--username', 'lead-east', '--password-stdin'],
      cliEnv,
      'a-new-east-password',
    );
    expect(reset.code).toBe(0);
    expect(
      (await fetch(`${og.oreguard.baseUrl}/api/v1/sites`, { headers: { authorization: `Bearer ${oldToken}` } })).status,
    ).toBe(401);
    await login(og.oreguard.baseUrl, 'lead-east', 'a-new-east-password');

    expect((await runCli(['users:set-role', '--username', 'lead-east', '--role', 'operator'], cliEnv)).code).toBe(0);
    const sites = await runCli(['users:set-sites', '--username', 'lead-east', '--sites', 'kolwezi-1,tarkwa-2'], cliEnv);
    expect(sites).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('lead-east (operator) sites=kolwezi-1,tarkwa-2'),
    });
  });

  it('lists the login throttles of any name tried and clears one, in the audit record', async () => {
    for (let i = 0; i < 5; i++)
      await expect(login(og.oreguard.baseUrl, 'ghost', 'not-the-password')).rejects.toThrow(/401/);
    const listed = await runCli(['users:login-throttles'], cliEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ghost from \S*127\.0\.0\.1: 5 failed/m);
    expect(listed.stdout).toMatch(/^ghost from every address: 5 failed/m);

    const cleared = await runCli(['users:clear-login-throttle', '--username', 'ghost'], cliEnv);
    expect(cleared).toMatchObject({ code: 0, stdout: 'Cleared 2 login throttles of ghost\n' });
    expect((await runCli(['users:login-throttles'], cliEnv)).stdout).not.toMatch(/^ghost/m);
    const audit = await og.ctx.db.query(
      `SELECT actor, details FROM audit_log WHERE action = 'auth.login-throttle-cleared'`,
    );
    expect(audit).toEqual([{ actor: expect.stringMatching(/^cli:/), details: { username: 'ghost', cleared: 2 } }]);
  });

  it('allows --password for scripts, with a warning', async () => {
    const created = await runCli(
      ['users:create', '--username', 'scripted', '--role', 'lead', '--password', 'scripted-password'],
      cliEnv,
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/^warning: --password leaves the password in shell history/);
  });

  it.each([
    ['an unknown command', ['users:explode'], '', 64, /^Unknown command "users:explode"/],
    ['an unknown option', ['users:list', '--all'], '', 64, /Unknown option '--all'/],
    [
      'a missing option',
      ['users:create', '--role', 'lead', '--password-stdin'],
      'long-enough-pw',
      64,
      /--username is required\nusage: users:create/,
    ],
    ['no password', ['users:create', '--username', 'x', '--role', 'lead'], '', 64, /--password-stdin/],
    [
      'a bad role, named as the option',
      ['users:create', '--username', 'x', '--role', 'boss', '--password-stdin'],
      'long-enough-pw',
      65,
      /--role: must be one of operator, lead, admin \(got "boss"\)/,
    ],
    [
      'a bad site id, named as the option',
      ['users:set-sites', '--username', 'admin', '--sites', 'Kolwezi 1'],
      '',
      65,
      /--sites: "Kolwezi 1" must match/,
    ],
    [
      'a short password, not echoed',
      ['users:create', '--username', 'x', '--role', 'lead', '--password-stdin'],
      'tiny',
      65,
      /^users:create: password: must be at least 10 characters[^"]*$/,
    ],
    [
      'a taken username',
      ['users:create', '--username', 'admin', '--role', 'lead', '--password-stdin'],
      'long-enough-pw',
      65,
      /username: admin is taken/,
    ],
    ['an unknown user', ['users:disable', '--username', 'ghost'], '', 65, /no user ghost/],
  ])('refuses %s with a clear message and exit code', async (_what, args, stdin, code, message) => {
    const result = await runCli(args, cliEnv, stdin);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('explains an unreachable database and an invalid DATABASE_URL', async () => {
    const down = await runCli(['users:list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/oreguard' });
    expect(down).toMatchObject({
      code: 69,
      stderr: expect.stringMatching(/cannot reach the database \(DATABASE_URL\)/),
    });
    const bad = await runCli(['users:list'], { DATABASE_URL: 'mysql://db/oreguard' });
    expect(bad).toMatchObject({ code: 78, stderr: expect.stringMatching(/^Invalid configuration: DATABASE_URL/) });
  });

  it('prints help', async () => {
    const help = await runCli(['help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('users:create --username <name> --role operator|lead|admin');
  });
});
