import { Queue } from 'bullmq';
import { FOLD_QUEUE } from '../../src/correlation/fold.jobs';
import { aTheftEvent } from '../factories/events';
import { runCli } from '../support/cli';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

describe('a fold job that keeps failing', () => {
  const og = oreGuardForFile('dead-letter', {
    env: { JOB_ATTEMPTS: '2', REQUEUE_INTERVAL_MS: '300', REQUEUE_AFTER_MS: '0' },
    untilIngesting: true,
  });
  let gateway: TestGateway;
  let deadEventId: string;

  beforeAll(async () => {
    gateway = await og.gateway('kolwezi-1', 'gw-1');
  });

  it('is retried, then dead-lettered with its error, visible in the events and the metrics; the event stays stored', async () => {
    // Break folding for this database only: the timeline table is gone.
    await og.ctx.db.query('ALTER TABLE incident_timeline RENAME TO incident_timeline_away');
    const event = aTheftEvent();
    deadEventId = event.eventId;
    await gateway.publish(event);

    const rows = await waitFor(
      () =>
        og.ctx.db
          .query<{ fold_error: string | null; folded_at: Date | null }>(
            'SELECT fold_error, folded_at FROM events WHERE event_id = $1 AND fold_error IS NOT NULL',
            [event.eventId],
          )
          .then((rows) => (rows.length ? rows : undefined)),
      { timeoutMs: 30_000, what: 'the event to be dead-lettered' },
    );
    const row = rows![0];
    expect(row.folded_at).toBeNull();
    expect(row.fold_error).toMatch(/incident_timeline/);

    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_events_dead_lettered 1$/m);
    expect(metrics).toMatch(/^oreguard_queue_jobs\{state="failed"\} [1-9]/m);

    // Once every job holding it has failed for good, the re-queue sweep (every 300 ms here)
    // leaves the dead letter alone: nothing folds it behind the operator's back.
    const queue = new Queue(FOLD_QUEUE, { connection: { url: TEST_SERVICES.redisUrl }, prefix: og.ctx.queuePrefix });
    try {
      await waitFor(
        async () => {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        { what: 'no fold job left but the failed ones' },
      );
    } finally {
      await queue.close();
    }
    await og.ctx.db.query('ALTER TABLE incident_timeline_away RENAME TO incident_timeline');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [after] = await og.ctx.db.query('SELECT folded_at FROM events WHERE event_id = $1', [event.eventId]);
    expect(after.folded_at).toBeNull();
  });

  it('is listed to admins over REST and the CLI, and a retry folds it, clears the failed job and is audited', async () => {
    const admin = await login(og.oreguard.baseUrl);
    const listed = await og.rest(admin, 'GET', '/dead-letters?siteId=kolwezi-1');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        expect.objectContaining({
          eventId: deadEventId,
          siteId: 'kolwezi-1',
          gatewayId: 'gw-1',
          kind: 'theft',
          error: expect.stringMatching(/incident_timeline/),
        }),
      ],
      nextCursor: null,
    });
    expect((await og.rest(admin, 'GET', '/dead-letters?siteId=tarkwa-2')).body.items).toEqual([]);
    const id = listed.body.items[0].id as number;

    // Leads may not: dead letters are an admin's business.
    await og.rest(admin, 'POST', '/users', { username: 'lead-dl', password: 'lead-dl-password', role: 'lead' });
    const lead = await login(og.oreguard.baseUrl, 'lead-dl', 'lead-dl-password');
    expect((await og.rest(lead, 'GET', '/dead-letters')).status).toBe(403);
    expect((await og.rest(lead, 'POST', '/dead-letters/retry', { siteId: 'kolwezi-1' })).status).toBe(403);
    expect((await og.rest(admin, 'POST', '/dead-letters/retry', {})).status).toBe(400);

    const cliEnv = {
      OREGUARD_URL: og.oreguard.baseUrl,
      OREGUARD_USERNAME: 'admin',
      OREGUARD_PASSWORD: 'admin-password',
    };
    const cliList = await runCli(['dead-letters:list', '--json'], cliEnv);
    expect(cliList).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cliList.stdout).items.map((d: { id: number }) => d.id)).toEqual([id]);
    const asLead = await runCli(['dead-letters:list'], {
      ...cliEnv,
      OREGUARD_USERNAME: 'lead-dl',
      OREGUARD_PASSWORD: 'lead-dl-password',
    });
    expect(asLead).toMatchObject({ code: 77, stderr: expect.stringMatching(/refused: 403/) });

    const retried = await runCli(['dead-letters:retry', '--ids', String(id)], cliEnv);
    expect(retried).toMatchObject({ code: 0, stdout: `Retried 1 dead letter: ${id}\n` });

    // Folded again, now that the table is back; no longer a dead letter, and its failed job is gone.
    await waitFor(
      async () =>
        (
          await og.ctx.db.query('SELECT 1 FROM events WHERE id = $1 AND folded_at IS NOT NULL AND fold_error IS NULL', [
            id,
          ])
        ).length === 1,
      { what: 'the retried event to be folded' },
    );
    const [linked] = await og.ctx.db.query('SELECT count(*)::int AS n FROM incident_events WHERE event_id = $1', [id]);
    expect(linked.n).toBe(1);
    const queue = new Queue(FOLD_QUEUE, { connection: { url: TEST_SERVICES.redisUrl }, prefix: og.ctx.queuePrefix });
    try {
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    } finally {
      await queue.close();
    }
    expect((await og.rest(admin, 'GET', '/dead-letters')).body.items).toEqual([]);
    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_events_dead_lettered 0$/m);

    const audit = await og.ctx.db.query(`SELECT actor, details FROM audit_log WHERE action = 'dead-letters.retried'`);
    expect(audit).toEqual([{ actor: 'admin', details: { retried: 1, ids: [id] } }]);
    // Nothing left to retry: a second retry of the site retries nothing.
    expect((await og.rest(admin, 'POST', '/dead-letters/retry', { siteId: 'kolwezi-1' })).body).toEqual({
      retried: 0,
      ids: [],
      queued: false,
    });
    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/dead-letters', '/dead-letters/retry']));
  });
});
