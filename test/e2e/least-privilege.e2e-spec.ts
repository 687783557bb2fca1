import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateDatabase } from '../../src/database/migrate';
import { slotClientId } from '../../src/ingestion/slot-plan';
import { aDroneEvent } from '../factories/events';
import { untilIngesting } from '../support/ingest-ready';
import { clearMqttSession, TestGateway } from '../support/mqtt-gateway';
import { startInProcess } from '../support/oreguard';
import { TEST_SERVICES } from '../support/services';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * Issue 16.8: OreGuard runs as a role that owns nothing (DATABASE_URL), the schema's owner
 * migrating (DATABASE_MIGRATION_URL). That role must not be able to switch the append-only
 * triggers off nor rewrite history, and OreGuard must still do all it does as it: ingest
 * through a slot (session advisory locks, LISTEN/NOTIFY), fold, correlate, write its audit.
 */
describe('OreGuard running as a least-privilege PostgreSQL role', () => {
  let ctx: TestContext;
  let runtime: Client;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;
  let runtimeUrl: string;
  const role = `og_runtime_${randomBytes(4).toString('hex')}`;

  /** The error PostgreSQL answers the runtime role with, or 'done'. */
  const asRuntime = (sql: string) =>
    runtime.query(sql).then(
      () => 'done',
      (error: Error) => error.message,
    );

  beforeAll(async () => {
    ctx = await createTestContext('least-privilege');
    const url = new URL(ctx.databaseUrl);
    url.username = role;
    url.password = 'runtime-password';
    runtimeUrl = url.toString();
    // As the migrate step runs it: the owner's URL, then the runtime role set up.
    expect(await migrateDatabase(ctx.databaseUrl, { runtimeUrl })).toEqual([`created role ${role}`]);
    runtime = new Client({ connectionString: runtimeUrl });
    await runtime.connect();
    await ctx.db.query(
      "INSERT INTO sites (id, name, time_zone) VALUES ('kolwezi-1', 'Kolwezi', 'UTC') ON CONFLICT DO NOTHING",
    );
  });

  afterAll(async () => {
    await oreguard?.close();
    await runtime?.end().catch(() => undefined);
    await clearMqttSession(slotClientId(ctx.name, 1)).catch(() => undefined);
    await ctx?.dispose();
    const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`DROP ROLE IF EXISTS ${role}_old`).finally(() => admin.end());
  });

  it('runs ingest (one slot), folding, correlation and its audit as that role', async () => {
    oreguard = await startInProcess(
      ctx.env({
        DATABASE_URL: runtimeUrl,
        MIGRATE_ON_START: 'false',
        MQTT_SHARED_GROUP: ctx.name,
        MQTT_INGEST_SLOTS: '1',
      }),
    );
    await untilIngesting(ctx.topicPrefix, ctx.db);
    const gateway = await TestGateway.connect(ctx.topicPrefix, 'kolwezi-1', 'gw-1');
    const event = aDroneEvent({ severity: 'high' });
    try {
      await gateway.publish(event);
    } finally {
      await gateway.close();
    }
    const folded = await waitFor(
      async () =>
        (
          await ctx.db.query<{ incident_id: string }>(
            `SELECT ie.incident_id FROM events e JOIN incident_events ie ON ie.event_id = e.id WHERE e.event_id = $1 AND e.folded_at IS NOT NULL`,
            [event.eventId],
          )
        )[0],
      { what: 'the event stored and folded into an incident' },
    );
    expect(
      (await ctx.db.query('SELECT 1 FROM incident_timeline WHERE incident_id = $1', [folded.incident_id])).length,
    ).toBeGreaterThan(0);
    // A REST login writes the audit log.
    const login = await fetch(`${oreguard.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
    });
    expect(login.status).toBe(200);
    // Its own connections (the pool, the ingest lease, the correlator lease, LISTEN) are the runtime role's;
    // the test's pool (application_name oreguard too) is the owner's.
    const sessions = await ctx.db.query<{ usename: string; application_name: string }>(
      `SELECT usename, application_name FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'oreguard-%' ORDER BY 2`,
      [ctx.name],
    );
    expect(sessions.map((a) => a.application_name)).toEqual(
      expect.arrayContaining(['oreguard-correlator', `oreguard-ingest ${ctx.name}-a`, 'oreguard-live']),
    );
    expect(new Set(sessions.map((a) => a.usename))).toEqual(new Set([role]));
    expect(
      (await ctx.db.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND usename = $2', [ctx.name, role]))
        .length,
    ).toBeGreaterThan(3);
  });

  it('may not rewrite history: UPDATE, DELETE and TRUNCATE of the timeline, audit log, events and material records are refused by privilege', async () => {
    const content: Record<string, string> = {
      incident_timeline: 'details',
      audit_log: 'details',
      events: 'raw_payload',
      incident_events: 'event_id',
      chain_checkpoints: 'head_hash',
      material_records: 'body',
      material_findings: 'summary',
    };
    for (const [table, column] of Object.entries(content)) {
      const refused = {
        update: await asRuntime(`UPDATE ${table} SET ${column} = ${column}`),
        delete: await asRuntime(`DELETE FROM ${table}`),
        truncate: await asRuntime(`TRUNCATE ${table}`),
      };
      const denied = expect.stringMatching(`permission denied for table ${table}`);
      expect({ table, ...refused }).toEqual({ table, update: denied, delete: denied, truncate: denied });
    }
    // What the fold marks stays writable (the trigger leaves those two columns alone).
    expect(await asRuntime('UPDATE events SET folded_at = folded_at WHERE false')).toBe('done');
  });

  it('may widen the bounds on event time, never narrow them nor remove them (a narrower bound would hide stored events)', async () => {
    expect(await asRuntime('UPDATE event_time_bounds SET max_lateness_ms = max_lateness_ms + 1')).toBe('done');
    expect(await asRuntime('UPDATE event_time_bounds SET max_lateness_ms = 0')).toMatch(/only widen/);
    expect(await asRuntime('UPDATE event_time_bounds SET max_future_ms = 0')).toMatch(/only widen/);
    expect(await asRuntime('UPDATE event_time_bounds SET bounded_since = now()')).toMatch(
      /permission denied for table event_time_bounds/,
    );
    for (const sql of ['DELETE FROM event_time_bounds', 'TRUNCATE event_time_bounds']) {
      expect(await asRuntime(sql)).toMatch(/permission denied for table event_time_bounds/);
    }
  });

  it('may not switch the append-only triggers off', async () => {
    expect(await asRuntime('SET session_replication_role = replica')).toMatch(/permission denied to set parameter/);
    for (const table of ['incident_timeline', 'audit_log', 'events']) {
      expect(await asRuntime(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatch(/must be owner of table/);
    }
    expect(await asRuntime('DROP TRIGGER events_keep_content ON events')).toMatch(/must be owner of (table|relation)/);
    expect(await asRuntime('DROP FUNCTION audit_refuse_change() CASCADE')).toMatch(/must be owner of function/);
    expect(await asRuntime('CREATE TABLE planted (id int)')).toMatch(/permission denied for schema public/);
    // The owner may (this is what the runtime role must not be).
    expect(
      await ctx.db.transaction(async (tx) => (await tx.query('SET LOCAL session_replication_role = replica')).command),
    ).toBe('SET');
  });

  it("takes from an earlier deployment's role what it owned (it migrated before the roles were split), and refuses a superuser", async () => {
    const old = `${role}_old`;
    await ctx.db.query(`CREATE ROLE ${old} LOGIN`);
    await ctx.db.query(`ALTER TABLE audit_log OWNER TO ${old}`);
    const url = new URL(ctx.databaseUrl);
    url.username = old;
    expect(await migrateDatabase(ctx.databaseUrl, { runtimeUrl: url.toString() })).toEqual([
      `handed what ${old} owned to postgres`,
    ]);
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const refused = await client.query('ALTER TABLE audit_log DISABLE TRIGGER ALL').then(
        () => 'done',
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/must be owner of table audit_log/);
    } finally {
      await client.end();
    }

    await ctx.db.query(`ALTER ROLE ${old} SUPERUSER`);
    await expect(migrateDatabase(ctx.databaseUrl, { runtimeUrl: url.toString() })).rejects.toThrow(
      /a superuser: OreGuard must run as a role that owns nothing/,
    );
  });
});
