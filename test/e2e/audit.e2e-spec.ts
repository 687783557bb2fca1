import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'dist', 'scripts', 'verify-evidence.js');

/** The evidence key's fingerprint, as GET /evidence/keys serves it (set before the tests). */
let trusted: string;

/** Runs the built offline checker (npm run evidence:verify) on a bundle written to a file, trusting OreGuard's key. */
async function offlineCheck(dir: string, name: string, bundle: unknown): Promise<{ code: number; out: string }> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(bundle, null, 2));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [VERIFY_SCRIPT, file, '--fingerprint', trusted]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; message: string };
    return { code: e.code ?? -1, out: e.stdout ?? e.message };
  }
}

describe('evidence-grade history', () => {
  const og = oreGuardForFile('audit');
  let admin: string;
  let incidentId: string;
  let dir: string;

  const call = async (token: string | undefined, method: string, path: string, body?: object) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('application/json') && text ? JSON.parse(text) : undefined,
      text,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oreguard-evidence-'));
    admin = await login(og.oreguard.baseUrl);
    trusted = (await call(undefined, 'GET', '/evidence/keys')).body.items[0].fingerprint;
    const gateway = await TestGateway.connect(og.ctx.topicPrefix, 'tarkwa-2', 'gw-1');
    await gateway.publish(aTheftEvent());
    const [row] = await waitFor(() =>
      og.ctx.db.query<{ id: string }>('SELECT id FROM incidents').then((r) => (r.length ? r : undefined)),
    );
    incidentId = row.id;
    // A second breach joins the incident: the fold writes an "events-joined" entry.
    await gateway.publish(aTheftEvent({ theft: { category: 'tamper', description: 'Camera covered' } }));
    await gateway.close();
    await waitFor(() =>
      og.ctx.db
        .query<{ event_count: number }>('SELECT event_count FROM incidents WHERE id = $1', [incidentId])
        .then((r) => r[0]?.event_count === 2),
    );
    expect((await call(admin, 'POST', `/incidents/${incidentId}/acknowledge`)).status).toBe(200);
    expect(
      (await call(admin, 'POST', `/incidents/${incidentId}/notes`, { text: 'Guards dispatched to the north fence' }))
        .status,
    ).toBe(200);
  });

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('chains the timeline written by folds and lifecycle actions, and verifies it intact', async () => {
    const verify = await call(admin, 'GET', `/incidents/${incidentId}/verify`);
    expect(verify).toMatchObject({
      status: 200,
      body: { intact: true, entries: 4, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const rows = await og.ctx.db.query<{ action: string; chain_seq: number }>(
      'SELECT action, chain_seq FROM incident_timeline WHERE incident_id = $1 ORDER BY chain_seq',
      [incidentId],
    );
    expect(rows.map((r) => [r.chain_seq, r.action])).toEqual([
      [1, 'opened'],
      [2, 'events-joined'],
      [3, 'acknowledged'],
      [4, 'noted'],
    ]);
  });

  it('hands out an evidence bundle that the offline checker accepts, and a modified one it rejects', async () => {
    const { status, body: bundle } = await call(admin, 'GET', `/incidents/${incidentId}/evidence`);
    expect(status).toBe(200);
    expect(bundle).toMatchObject({
      incident: { id: incidentId, eventCount: 2 },
      chainProof: { intact: true, entries: 4 },
    });
    expect(bundle.events).toHaveLength(2);
    expect(JSON.parse(bundle.events[0].rawPayload)).toMatchObject({ eventId: bundle.events[0].eventId });

    const good = await offlineCheck(dir, 'good.json', bundle);
    expect(good).toEqual({
      code: 0,
      out: expect.stringMatching(
        /^OK .*signed by evidence key .*4 timeline entries .*2 events match their raw payloads/,
      ),
    });

    const altered = structuredClone(bundle);
    altered.timeline[3].details.text = 'Nothing to see';
    const bad = await offlineCheck(dir, 'altered.json', altered);
    expect(bad).toEqual({ code: 1, out: expect.stringMatching(/^FAULT .*timeline\[3\] .*does not match its hash/) });

    const audit = await call(admin, 'GET', '/audit?action=evidence.exported');
    expect(audit.body.items[0]).toMatchObject({
      actor: 'admin',
      target: incidentId,
      details: { bundleHash: bundle.bundleHash, headHash: bundle.chainProof.headHash },
    });
  });

  it('records logins, failed logins, account changes and exports in the audit record, newest first, in pages', async () => {
    const created = await call(admin, 'POST', '/users', {
      username: 'op-far',
      password: 'operator-password',
      role: 'operator',
      siteIds: ['far-site'],
    });
    expect(created.status).toBe(201);
    expect(
      (
        await call(admin, 'PATCH', `/users/${created.body.id}`, {
          password: 'another-password',
          siteIds: ['far-site', 'other-site'],
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(undefined, 'POST', '/auth/login', { username: 'op-far', password: 'guessed-passw0rd' })).status,
    ).toBe(401);
    expect((await call(admin, 'GET', '/incidents/export?format=csv&siteId=tarkwa-2')).status).toBe(200);

    const { body } = await call(admin, 'GET', '/audit?limit=500');
    const actions = body.items.map((e: any) => [e.action, e.actor, e.target]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['auth.login', 'admin', expect.any(String)],
        ['user.created', 'admin', created.body.id],
        ['user.updated', 'admin', created.body.id],
        ['auth.login-failed', 'op-far', created.body.id],
        ['incidents.exported', 'admin', null],
      ]),
    );
    const failed = body.items.find((e: any) => e.action === 'auth.login-failed');
    expect(failed).toMatchObject({ details: { reason: 'wrong-password' }, ip: expect.any(String) });
    const updated = body.items.find((e: any) => e.action === 'user.updated');
    expect(updated.details).toEqual({ username: 'op-far', siteIds: ['far-site', 'other-site'], passwordChanged: true });
    expect(JSON.stringify(body.items)).not.toMatch(/operator-password|another-password|guessed-passw0rd|argon2/);
    // Newest first; the export was the last thing done.
    expect(body.items[0]).toMatchObject({
      action: 'incidents.exported',
      details: { format: 'csv', filters: { siteId: 'tarkwa-2' } },
    });

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: number }[]; nextCursor: string | null } } = await call(
        admin,
        'GET',
        `/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(body.items.map((e: any) => e.id));
    expect((await call(admin, 'GET', '/audit?action=auth.login-failed')).body.items).toHaveLength(1);
    expect((await call(admin, 'GET', '/audit?actor=op-far')).body.items.map((e: any) => e.action)).toEqual([
      'auth.login-failed',
    ]);

    expect(await call(admin, 'GET', '/audit/verify')).toMatchObject({
      status: 200,
      body: { intact: true, entries: body.items.length },
    });
  });

  it('shows an operator of another site nothing of the incident, and no audit record', async () => {
    const operator = await login(og.oreguard.baseUrl, 'op-far', 'another-password');
    for (const [path, status] of [
      [`/incidents/${incidentId}/verify`, 404],
      [`/incidents/${incidentId}/evidence`, 404],
      ['/audit', 403],
      ['/audit/verify', 403],
    ] as const) {
      const res = await call(operator, 'GET', path);
      expect([path, res.status]).toEqual([path, status]);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    }
    expect((await call(undefined, 'GET', '/audit')).status).toBe(401);
  });

  it('reports the first broken entry when the database owner gets past the guard and alters a row', async () => {
    const [noted] = await og.ctx.db.query<{ id: string }>(
      `SELECT id FROM incident_timeline WHERE incident_id = $1 AND action = 'acknowledged'`,
      [incidentId],
    );
    await og.ctx.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE incident_timeline DISABLE TRIGGER incident_timeline_append_only');
      await tx.query(`UPDATE incident_timeline SET actor = 'someone-else' WHERE id = $1`, [noted.id]);
      await tx.query('ALTER TABLE incident_timeline ENABLE TRIGGER incident_timeline_append_only');
    });
    expect(await call(admin, 'GET', `/incidents/${incidentId}/verify`)).toMatchObject({
      status: 200,
      body: {
        intact: false,
        entries: 2,
        firstBroken: { id: noted.id, seq: 3, reason: expect.stringMatching(/altered/) },
      },
    });
    const { body: bundle } = await call(admin, 'GET', `/incidents/${incidentId}/evidence`);
    expect(bundle.chainProof).toMatchObject({ intact: false, firstBroken: { id: noted.id } });
    expect((await offlineCheck(dir, 'tampered.json', bundle)).code).toBe(1);

    const [created] = await og.ctx.db.query<{ id: string }>(`SELECT id FROM audit_log WHERE action = 'user.created'`);
    const [deleted] = await og.ctx.db.query<{ id: string; seq: string }>(
      `SELECT id, seq FROM audit_log WHERE action = 'user.updated'`,
    );
    await og.ctx.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await tx.query(`UPDATE audit_log SET details = details || '{"role": "admin"}' WHERE id = $1`, [created.id]);
      await tx.query('DELETE FROM audit_log WHERE id = $1', [deleted.id]);
      await tx.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
    expect(await call(admin, 'GET', '/audit/verify')).toMatchObject({
      status: 200,
      body: { intact: false, firstBroken: { id: created.id, reason: expect.stringMatching(/altered/) } },
    });
  });
});
