import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { untilIngesting } from '../support/ingest-ready';
import { TestGateway } from '../support/mqtt-gateway';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const WATCH = join(__dirname, '..', '..', 'dist', 'scripts', 'watch-live.js');
const SITE = 'kolwezi-1';

/** The watcher (npm run watch) against a real OreGuard process, which is restarted under it. */
describe('npm run watch', () => {
  let ctx: TestContext;
  let oreguard: OreGuardProcess;
  let gateway: TestGateway;
  let watcher: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    ctx = await createTestContext('watch-live');
    oreguard = new OreGuardProcess(ctx.env({ PORT: String(await freePort()) }));
    await oreguard.start();
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
  });

  afterAll(async () => {
    if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
    await gateway?.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await ctx?.dispose();
  });

  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [WATCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  const lines = (pattern: RegExp) => output.split('\n').filter((l) => pattern.test(l));

  it('explains itself with --help, and refuses an unknown option', async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: npm run watch -- \[--url/) });
    expect(help.stdout).toContain('--fold-ms');
    const bad = await run(['--colour']);
    expect(bad).toMatchObject({ code: 64, stderr: expect.stringMatching(/Unknown option '--colour'[\s\S]*usage:/) });
  });

  it('shows the open incidents, folds updates, and carries on with resume after OreGuard restarts', async () => {
    await gateway.publish(aDroneEvent());
    await waitFor(
      async () =>
        (await ctx.db.query(`SELECT 1 FROM incidents WHERE site_id = $1 AND status = 'open'`, [SITE])).length > 0,
      { what: 'an open incident' },
    );

    watcher = spawn(
      process.execPath,
      [WATCH, '--url', oreguard.baseUrl, '--username', 'admin', '--password', 'admin-password', '--fold-ms', '1500'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    watcher.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    watcher.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => /open incidents?\n {2}kolwezi-1 /.test(output), {
      what: `the open incident listed on connect; got: ${output}`,
    });

    // A burst of detections of one drone: its updates come out folded, not one line each.
    for (let i = 0; i < 6; i++) await gateway.publish(aDroneEvent());
    await waitFor(() => lines(/ updated .*×\d+ updates/).length > 0, { what: `a folded update line; got: ${output}` });
    const updates = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM live_messages WHERE site_id = $1 AND type = 'updated'`,
      [SITE],
    );
    expect(lines(/ updated /).length).toBeLessThan(updates[0].n);

    const openedBefore = lines(/^kolwezi-1 #\d+ opened /).length;
    // OreGuard stops; an event arrives meanwhile (the broker keeps it); OreGuard starts again.
    await oreguard.stop('SIGTERM');
    await waitFor(() => /disconnected \(/.test(output), { what: 'the watcher to see the disconnection' });
    await gateway.publish(aTheftEvent());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(watcher.exitCode).toBeNull();
    await oreguard.start();

    await waitFor(() => /connected to .*, resuming kolwezi-1 after \d+/.test(output), {
      timeoutMs: 20_000,
      what: `a reconnection with resume; got: ${output}`,
    });
    // The theft opens its incident (and, with the drone overhead, a rule's incident too).
    await waitFor(() => lines(/^kolwezi-1 #\d+ opened .*Theft activity/).length === 1, {
      timeoutMs: 20_000,
      what: `the theft incident from while it was down; got: ${output}`,
    });
    expect(lines(/^kolwezi-1 #\d+ opened /).length).toBeGreaterThan(openedBefore);
    await gateway.publish(aCyberEvent());
    await waitFor(() => lines(/^kolwezi-1 #\d+ opened .*Cyber activity/).length === 1, {
      what: `a live incident after the restart; got: ${output}`,
    });
    // No seq printed twice, none missing.
    const seqs = lines(/^kolwezi-1 #\d+ /).map((l) => Number(/#(\d+)/.exec(l)![1]));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(output).not.toMatch(/gap: /);

    watcher.kill('SIGINT');
    const code = await new Promise((resolve) => watcher!.once('exit', resolve));
    expect(code).toBe(0);
  });
});
