import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { AuditService } from '../../src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config';
import { Db } from '../../src/database/db';
import { CLAIMED, claimEventKeys } from '../../src/database/events-once';
import type { Clock } from '../../src/platform/clock';
import { RetainPartitionsUseCase } from '../../src/retention/retain-partitions.use-case';
import { aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'dist', 'scripts', 'verify-evidence.js');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const SITE = 'tarkwa-2';
const DAY_MS = 86_400_000;

/**
 * Retention (issue 19.2): partitions older than their table keeps are archived (NDJSON, gzip,
 * manifest of counts and hashes), the manifest's hash is audited, then the partition is dropped
 * whole; a partition holding an event of an incident is kept; incidents of today still verify,
 * chain and evidence bundle, once their neighbours are gone.
 */
describe('retention', () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'oreguard-archive-'));
  const og = oreGuardForFile('retention', {
    env: {
      ARCHIVE_DIR: archiveDir,
      // Partitions of a day, so that days-old data is a whole partition past its retention.
      PARTITION_SPAN: 'day',
      RETENTION_EVENTS_DAYS: '3',
      RETENTION_LIVE_LOG_DAYS: '3',
      RETENTION_REJECTED_DAYS: '3',
      RETENTION_HEALTH_DAYS: 'off',
      // The test runs the job itself, when its data is in place.
      RETENTION_CHECK_INTERVAL_MS: '3600000',
      EVIDENCE_CHECKPOINT_INTERVAL_MS: '250',
    },
  });
  let admin: string;
  let incidentId: string;
  let boundEventId: string;
  const day = (n: number) => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - n * DAY_MS);
  const partName = (table: string, at: Date) => `${table}_p${at.toISOString().slice(0, 10).replace(/-/g, '')}`;
  const exists = async (name: string) =>
    (await og.ctx.db.query('SELECT 1 FROM pg_class WHERE relname = $1', [name])).length > 0;

  /** The incident's evidence bundle, checked offline by the verifier script (it prints OK). */
  const verifiedBundle = async (id: string) => {
    const bundle = (await og.rest(admin, 'GET', `/incidents/${id}/evidence`)).body as { events: unknown[] };
    const keys = (await (await fetch(`${og.oreguard.baseUrl}/api/v1/evidence/keys`)).json()) as {
      items: { publicKey: string }[];
    };
    const bundleFile = join(archiveDir, 'bundle.json');
    const keyFile = join(archiveDir, 'key.pem');
    writeFileSync(bundleFile, JSON.stringify(bundle));
    writeFileSync(keyFile, keys.items[0].publicKey);
    const { stdout } = await promisify(execFile)(process.execPath, [VERIFY_SCRIPT, bundleFile, '--key', keyFile]);
    expect(stdout).toMatch(/^OK /);
    return bundle;
  };

  /** Old events straight into the database, `count` an hour apart from the start of the day `n` days ago (folded, and past the correlator). */
  const oldEvents = (n: number, count: number) =>
    og.ctx.db.query<{ id: string }>(
      `WITH ${claimEventKeys(`SELECT $1::text AS site_id, 'gw-1' AS gateway_id, gen_random_uuid() AS event_id, t AS received_at, h
           FROM generate_series(0, $3 - 1) h, LATERAL (SELECT $2::timestamptz + h * interval '1 hour' AS t) x`)}
       INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload, folded_at, ingest_xid)
       OVERRIDING SYSTEM VALUE
       SELECT id, site_id, gateway_id, event_id, 'fence-3', 'theft', 'low', received_at, received_at, 'canonical', '{"category":"tamper"}', 't', '{"h":' || h || '}', received_at, NULL
         FROM claimable WHERE ${CLAIMED}
       RETURNING id`,
      [SITE, day(n), count],
    );

  beforeAll(async () => {
    admin = await login(og.oreguard.baseUrl);
    const gateway = await og.gateway(SITE);
    await gateway.publish(aTheftEvent());
    const [row] = await waitFor(() =>
      og.ctx.db.query<{ id: string }>('SELECT id FROM incidents').then((r) => (r.length ? r : undefined)),
    );
    incidentId = row.id;
    expect((await og.rest(admin, 'POST', `/incidents/${incidentId}/notes`, { text: 'Fence patrolled' })).status).toBe(
      200,
    );

    // Ten days of partitions behind today's, then history in them.
    for (const table of ['events', 'live_messages', 'rejected_events', 'sensor_health_changes']) {
      await og.ctx.db.query(`SELECT oreguard_ensure_partitions($1, 'day', $2, now())`, [table, day(10)]);
    }
    await oldEvents(8, 24);
    await oldEvents(7, 5);
    // Day 6 holds an event of an (old, resolved) incident: its partition stays whole.
    const [bound] = await oldEvents(6, 3);
    boundEventId = bound.id;
    await og.ctx.db
      .query(
        `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at, resolved_at)
       VALUES (gen_random_uuid(), $1, 'theft', 'Old tamper', 'low', 1, 'resolved', '{theft}', '{}', 1, $2, $2, $2, $2, $2)
       RETURNING id`,
        [SITE, day(6)],
      )
      .then(([old]) =>
        og.ctx.db.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [
          (old as { id: string }).id,
          bound.id,
        ]),
      );
    await og.ctx.db.query(
      `INSERT INTO rejected_events (received_at, topic, site_id, gateway_id, reason, payload, payload_bytes)
       VALUES ($1, 't', $2, 'gw-1', 'kind: required', '{}', 2)`,
      [day(8), SITE],
    );
    await og.ctx.db.query(
      `INSERT INTO live_messages (site_id, seq, type, incident_id, payload, created_at) VALUES ($1, 0, 'incident', $2, '{}', $3)`,
      [SITE, incidentId, day(8)],
    );
    await og.ctx.db.query(
      `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason, recorded_at)
       VALUES ($1, 'gw-1', 'sensor', 'fence-3', 'fault', $2, 'fault', $2)`,
      [SITE, day(8)],
    );
  });

  afterAll(() => rmSync(archiveDir, { recursive: true, force: true }));

  it('archives, audits and drops the partitions past their retention, and keeps the rest', async () => {
    const expectedRows = await og.ctx.db.query<{ line: string }>(
      `SELECT row_to_json(t)::text AS line FROM ${partName('events', day(8))} t ORDER BY id`,
    );
    const keysBefore = await og.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM event_keys WHERE received_at < $1`,
      [day(3)],
    );
    expect(Number(keysBefore[0].n)).toBe(24 + 5 + 3);
    const run = await og.oreguard.app.get(RetainPartitionsUseCase).execute();
    expect(run.leased).toBe(true);
    const dropped = run.dropped.map((d) => d.partition);
    for (const n of [10, 9, 8, 7, 6, 5, 4]) expect(dropped).toContain(partName('events', day(n)));
    expect(dropped).toContain(partName('rejected_events', day(8)));
    expect(dropped).toContain(partName('live_messages', day(8)));
    expect(dropped.filter((p) => p.startsWith('sensor_health_changes'))).toEqual([]);
    for (const name of dropped) expect(await exists(name)).toBe(false);
    // The event of an incident was kept, unchanged, where queries on events still find it; the others' keys went with them.
    expect(run.dropped.find((d) => d.partition === partName('events', day(6)))).toMatchObject({ rows: 3, kept: 1 });
    expect(run.dropped.find((d) => d.partition === partName('events', day(8)))).toMatchObject({ rows: 24, kept: 0 });
    const [keptEvent] = await og.ctx.db.query<{ part: string; raw_payload: string }>(
      `SELECT e.tableoid::regclass::text AS part, e.raw_payload FROM events e JOIN incident_events ie ON ie.event_id = e.id WHERE e.id = $1`,
      [boundEventId],
    );
    expect(keptEvent).toEqual({ part: 'events_kept', raw_payload: '{"h":0}' });
    const keysAfter = await og.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM event_keys WHERE received_at < $1`,
      [day(3)],
    );
    expect(Number(keysAfter[0].n)).toBe(1);
    expect(await exists(partName('events', day(3)))).toBe(true);
    expect(await exists(partName('sensor_health_changes', day(8)))).toBe(true);

    // The archive holds exactly what was dropped, and its manifest is the one audited.
    const name = partName('events', day(8));
    const manifestText = readFileSync(join(archiveDir, `${name}.manifest.json`), 'utf8');
    const manifest = JSON.parse(manifestText) as {
      rows: number;
      file: string;
      fileSha256: string;
      ndjsonSha256: string;
    };
    const gz = readFileSync(join(archiveDir, manifest.file));
    const ndjson = gunzipSync(gz).toString('utf8');
    expect(manifest.rows).toBe(24);
    expect(ndjson).toBe(expectedRows.map((r) => `${r.line}\n`).join(''));
    expect(manifest.ndjsonSha256).toBe(sha256(ndjson));
    expect(manifest.fileSha256).toBe(sha256(gz));
    const [audited] = await og.ctx.db.query<{ details: { rows: number; manifestSha256: string } }>(
      `SELECT details FROM audit_log WHERE action = 'retention.archived' AND target = $1`,
      [name],
    );
    expect(audited.details).toMatchObject({ rows: 24, manifestSha256: sha256(manifestText) });
    expect(run.dropped.find((d) => d.partition === name)?.manifestSha256).toBe(sha256(manifestText));
    expect((await og.rest(admin, 'GET', '/audit/verify')).body).toMatchObject({ intact: true });

    // Another run finds nothing more to drop.
    expect((await og.oreguard.app.get(RetainPartitionsUseCase).execute()).dropped).toEqual([]);
  });

  it('answers 410 to a cursor into dropped partitions, naming it and the oldest time kept, and pages on after it', async () => {
    const [{ kept_from }] = await og.ctx.db.query<{ kept_from: Date }>(
      `SELECT kept_from FROM retention_horizons WHERE table_name = 'events'`,
    );
    expect(kept_from.toISOString()).toBe(day(3).toISOString());
    const cursorAt = (at: Date, id: number) =>
      Buffer.from(JSON.stringify([at.toISOString(), String(id)])).toString('base64url');
    for (const path of ['/events', '/rejected-events']) {
      const gone = await og.rest(admin, 'GET', `${path}?cursor=${cursorAt(day(8), 1)}`);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({
        statusCode: 410,
        message: expect.stringMatching(
          /^cursor: points at .* before .*, the oldest time whose .* are still kept whole/,
        ),
        details: { field: 'cursor', cursorAt: day(8).toISOString(), keptFrom: day(3).toISOString() },
      });
    }
    // A cursor into what is still kept pages on as before.
    const kept = await og.rest(admin, 'GET', `/events?cursor=${cursorAt(new Date(), 2 ** 40)}`);
    expect(kept.status).toBe(200);
    expect((kept.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it('puts an incident under legal hold and lifts it (leads and admins, with a reason, audited), shown on the incident', async () => {
    const hold = (method: string, body?: object, id = incidentId, token = admin) =>
      og.rest(token, method, `/incidents/${id}/legal-hold`, body);
    expect(await hold('PUT', {})).toMatchObject({ status: 400, body: { message: 'reason: required' } });
    expect((await hold('PUT', { reason: 'x' }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const created = await og.rest(admin, 'POST', '/users', {
      username: 'op-tarkwa',
      password: 'operator-password',
      role: 'operator',
      siteIds: [SITE],
    });
    expect(created.status).toBe(201);
    const operator = await login(og.oreguard.baseUrl, 'op-tarkwa', 'operator-password');
    expect((await hold('PUT', { reason: 'x' }, incidentId, operator)).status).toBe(403);

    const set = await hold('PUT', { reason: 'Police case 2026/117' });
    expect(set).toMatchObject({
      status: 200,
      body: { incidentId, reason: 'Police case 2026/117', setBy: 'admin', setAt: expect.any(String) },
    });
    expect((await og.rest(admin, 'GET', `/incidents/${incidentId}`)).body.legalHold).toEqual(set.body);
    expect((await og.rest(operator, 'GET', `/incidents/${incidentId}`)).body.legalHold).toMatchObject({
      reason: 'Police case 2026/117',
    });

    expect(await hold('DELETE', { reason: 'Case closed' })).toMatchObject({
      status: 200,
      body: { incidentId, legalHold: null },
    });
    expect((await og.rest(admin, 'GET', `/incidents/${incidentId}`)).body.legalHold).toBeNull();
    expect((await hold('DELETE', { reason: 'Again' })).status).toBe(404);
    const audited = await og.ctx.db.query<{ action: string; actor: string; details: { reason: string } }>(
      `SELECT action, actor, details FROM audit_log WHERE target = $1 AND action LIKE 'incident.legal-hold%' ORDER BY seq`,
      [incidentId],
    );
    expect(audited).toEqual([
      { action: 'incident.legal-hold-set', actor: 'admin', details: { reason: 'Police case 2026/117' } },
      {
        action: 'incident.legal-hold-lifted',
        actor: 'admin',
        details: expect.objectContaining({ reason: 'Case closed' }),
      },
    ]);
  });

  it('runs in one instance at a time: a run finding the lease taken does nothing', async () => {
    const holder = await og.ctx.db.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(734118219)');
      expect(await og.oreguard.app.get(RetainPartitionsUseCase).execute()).toEqual({
        leased: false,
        dropped: [],
        retired: [],
      });
    } finally {
      await holder.query('SELECT pg_advisory_unlock(734118219)');
      holder.release();
    }
  });

  it('refuses to drop a partition without a matching archive in the audit log, and any DELETE', async () => {
    const name = partName('events', day(3));
    await expect(og.ctx.db.query(`SELECT oreguard_drop_partition('events', $1, 0)`, [name])).rejects.toThrow(
      /no archive|rows, not the/,
    );
    await expect(og.ctx.db.query(`SELECT oreguard_drop_partition('events', 'events_default', 0)`)).rejects.toThrow(
      /not a time partition/,
    );
    await expect(og.ctx.db.query(`SELECT oreguard_drop_partition('incidents', 'incidents', 0)`)).rejects.toThrow(
      /not a partitioned table/,
    );
    await expect(og.ctx.db.query(`DELETE FROM events WHERE received_at < now() - interval '1 day'`)).rejects.toThrow(
      /append-only/,
    );
    expect(await exists(name)).toBe(true);
  });

  it('keeps an incident whole when its own events partition goes: its chain and evidence bundle still verify', async () => {
    // Two days on, with a day of events kept: today's partition, holding the incident's event, goes too.
    const app = og.oreguard.app;
    const config = app.get<AppConfig>(APP_CONFIG);
    const later = new RetainPartitionsUseCase(
      app.get(Db),
      app.get(AuditService),
      { now: () => new Date(Date.now() + 2 * DAY_MS) } as Clock,
      {
        ...config,
        retention: {
          ...config.retention,
          days: { events: 1, live_messages: null, rejected_events: null, sensor_health_changes: null },
        },
      },
    );
    const run = await later.execute();
    expect(run.dropped.find((d) => d.partition === partName('events', day(0)))).toMatchObject({ kept: 1 });
    const [moved] = await og.ctx.db.query<{ part: string }>(
      `SELECT e.tableoid::regclass::text AS part FROM events e JOIN incident_events ie ON ie.event_id = e.id WHERE ie.incident_id = $1`,
      [incidentId],
    );
    expect(moved.part).toBe('events_kept');
    expect((await og.rest(admin, 'GET', `/incidents/${incidentId}/verify`)).body).toMatchObject({ intact: true });
    expect((await verifiedBundle(incidentId)).events).toHaveLength(1);
  });

  it('retires resolved incidents past their retention, archived and audited; held and reopened ones stay, kept ones still verify', async () => {
    const resolvedAt = day(40);
    const anOldIncident = async (title: string) => {
      const [row] = await og.ctx.db.query<{ id: string; opened_at: Date }>(
        `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                                first_seen_at, last_seen_at, opened_at, updated_at, resolved_at, resolution)
         VALUES (gen_random_uuid(), $1, 'theft', $2, 'low', 1, 'resolved', '{theft}', '{}', 1, $3, $3, $3, $3, $3, 'false_positive')
         RETURNING id, opened_at`,
        [SITE, title, resolvedAt],
      );
      await og.ctx.db.query(
        `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, $2, 'system', 'opened'), ($1, $2, 'admin', 'resolved')`,
        [row.id, resolvedAt],
      );
      return row;
    };
    const gone = await anOldIncident('Gate forced');
    const held = await anOldIncident('Cable cut');
    const reopened = await anOldIncident('Drone at dusk');
    const [event] = await og.ctx.db.query<{ id: string }>(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload, kept)
       VALUES ($1, 'gw-1', gen_random_uuid(), 'gate-1', 'theft', 'low', $2, $2, 'canonical', '{}', 't', '{"gate":1}', true) RETURNING id`,
      [SITE, resolvedAt],
    );
    await og.ctx.db.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [gone.id, event.id]);
    expect(
      (await og.rest(admin, 'PUT', `/incidents/${held.id}/legal-hold`, { reason: 'Insurance claim' })).status,
    ).toBe(200);
    expect((await og.rest(admin, 'POST', `/incidents/${reopened.id}/reopen`, {})).status).toBe(200);
    // What a lead is shown: when each may leave (held, reopened: never).
    const leavesAfter = async (id: string) =>
      ((await og.rest(admin, 'GET', `/incidents/${id}`)).body as { leavesAfter: string | null }).leavesAfter;
    expect(await leavesAfter(gone.id)).toBe(new Date(resolvedAt.getTime() + 730 * DAY_MS).toISOString());
    expect(await leavesAfter(held.id)).toBeNull();
    expect(await leavesAfter(reopened.id)).toBeNull();

    const app = og.oreguard.app;
    const config = app.get<AppConfig>(APP_CONFIG);
    const job = new RetainPartitionsUseCase(app.get(Db), app.get(AuditService), { now: () => new Date() } as Clock, {
      ...config,
      retention: {
        ...config.retention,
        days: { events: null, live_messages: null, rejected_events: null, sensor_health_changes: null },
        resolvedIncidentsDays: 30,
      },
    });
    const run = await job.execute();
    expect(run.dropped).toEqual([]);
    expect(run.retired).toHaveLength(1);
    const [batch] = run.retired;
    expect(batch.incidents).toBe(1);
    const rows = Object.fromEntries(batch.tables.map((t) => [t.table, t.rows]));
    expect(rows).toEqual({ incidents: 1, incident_timeline: 2, incident_events: 1, incident_spans: 1, events: 1 });

    // The archive holds exactly what left, and its manifest is the one audited.
    const table = `retiring_${batch.batch}_incidents`;
    const manifestText = readFileSync(join(archiveDir, `${table}.manifest.json`), 'utf8');
    const manifest = JSON.parse(manifestText) as { table: string; rows: number; file: string; ndjsonSha256: string };
    expect(manifest).toMatchObject({ table: 'incidents', rows: 1 });
    const ndjson = gunzipSync(readFileSync(join(archiveDir, manifest.file))).toString('utf8');
    expect(JSON.parse(ndjson)).toMatchObject({ id: gone.id, title: 'Gate forced', status: 'resolved' });
    expect(manifest.ndjsonSha256).toBe(sha256(ndjson));
    const eventsArchive = JSON.parse(
      readFileSync(join(archiveDir, `retiring_${batch.batch}_events.manifest.json`), 'utf8'),
    ) as { file: string };
    expect(JSON.parse(gunzipSync(readFileSync(join(archiveDir, eventsArchive.file))).toString('utf8'))).toMatchObject({
      id: Number(event.id),
      raw_payload: '{"gate":1}',
    });
    const [audited] = await og.ctx.db.query<{ details: { rows: number; manifestSha256: string } }>(
      `SELECT details FROM audit_log WHERE action = 'retention.archived' AND target = $1`,
      [table],
    );
    expect(audited.details).toMatchObject({ rows: 1, manifestSha256: sha256(manifestText) });
    expect(await exists(table)).toBe(false);

    // Clients: the retired incident is gone (410), told from one that never was (404); a cursor on it is gone too.
    for (const path of [`/incidents/${gone.id}`, `/incidents/${gone.id}/verify`]) {
      expect(await og.rest(admin, 'GET', path)).toMatchObject({
        status: 410,
        body: { details: { incidentId: gone.id, resolvedAt: resolvedAt.toISOString() } },
      });
    }
    expect((await og.rest(admin, 'POST', `/incidents/${gone.id}/notes`, { text: 'Too late' })).status).toBe(410);
    expect((await og.rest(admin, 'PUT', `/incidents/${gone.id}/legal-hold`, { reason: 'Too late' })).status).toBe(410);
    expect((await og.rest(admin, 'GET', '/incidents/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const cursor = Buffer.from(JSON.stringify([gone.opened_at.toISOString(), gone.id])).toString('base64url');
    expect(await og.rest(admin, 'GET', `/incidents?cursor=${cursor}`)).toMatchObject({
      status: 410,
      body: { details: { field: 'cursor' } },
    });
    for (const kept of [held, reopened])
      expect((await og.rest(admin, 'GET', `/incidents/${kept.id}`)).status).toBe(200);
    expect((await og.rest(admin, 'GET', `/incidents/${incidentId}/verify`)).body).toMatchObject({ intact: true });
    expect((await og.rest(admin, 'GET', `/incidents/${held.id}/verify`)).body).toMatchObject({ intact: true });
    expect((await verifiedBundle(incidentId)).events).toHaveLength(1);
    expect((await og.rest(admin, 'GET', '/audit/verify')).body).toMatchObject({ intact: true });

    // The hold lifted, the held incident leaves on the next run.
    expect(
      (await og.rest(admin, 'DELETE', `/incidents/${held.id}/legal-hold`, { reason: 'Claim settled' })).status,
    ).toBe(200);
    expect((await job.execute()).retired.map((r) => r.incidents)).toEqual([1]);
    expect((await og.rest(admin, 'GET', `/incidents/${held.id}`)).status).toBe(410);
    expect((await og.rest(admin, 'GET', `/incidents/${reopened.id}`)).status).toBe(200);
  });
});
