import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Db } from '../../src/database/db';
import { ensureDatabase } from '../../src/database/ensure-database';
import { migrations } from '../../src/database/migrations';
import { IncidentRetention1765120000000 } from '../../src/database/migrations/1765120000000-incident-retention';
import { TEST_SERVICES } from '../support/services';

/**
 * Migration 1765120000000 on a database holding incidents and kept events: up and down work;
 * `oreguard_retire_incidents` moves out exactly the resolved, unheld incidents past the bound
 * (with their links, timeline, span and the kept events that are theirs alone), skips one
 * locked by a reopening, and `oreguard_drop_retired_batch` drops the batch only once each of
 * its tables' archive is audited with its rows. The runtime role may only call them: every
 * DELETE of its own is refused, even with the functions' setting on.
 */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-1';
const DAY_MS = 86_400_000;

describe('incident retention migration and functions', () => {
  const name = `og_incident_retention_${randomBytes(4).toString('hex')}`;
  const url = `${TEST_SERVICES.postgresUrl}/${name}`;
  let db: Db;
  const old = new Date(Date.now() - 40 * DAY_MS);
  const bound = new Date(Date.now() - 30 * DAY_MS);
  const ids = {
    gone: randomUUID(),
    held: randomUUID(),
    open: randomUUID(),
    recent: randomUUID(),
    locked: randomUUID(),
  };
  let onlyGone: string;
  let shared: string;

  const source = () =>
    new DataSource({
      type: 'postgres',
      url,
      migrations: migrations as DataSource['options']['migrations'],
      migrationsTableName: 'schema_migrations',
      migrationsTransactionMode: 'each',
    });
  const runMigrations = async (upTo: number) => {
    const s = new DataSource({ ...source().options, migrations: migrations.slice(0, upTo) } as never);
    await s.initialize();
    try {
      await s.runMigrations({ transaction: 'each' });
    } finally {
      await s.destroy();
    }
  };
  const anIncident = (id: string, status: string, resolvedAt: Date | null) =>
    db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at, resolved_at)
       VALUES ($1, $2, 'theft', 'Tamper at the fence', 'low', 1, $3, '{theft}', '{}', 1, $4, $4, $4, $4, $5)`,
      [id, SITE, status, old, resolvedAt],
    );
  const aKeptEvent = async () =>
    (
      await db.query<{ id: string }>(
        `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload, kept)
         VALUES ($1, $2, gen_random_uuid(), 'fence-3', 'theft', 'low', $3, $3, 'canonical', '{}', 't', '{}', true) RETURNING id`,
        [SITE, GATEWAY, old],
      )
    )[0].id;
  const link = (incidentId: string, eventId: string) =>
    db.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [incidentId, eventId]);
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params))[0].n);
  const asRuntime = async (work: (c: Client) => Promise<void>) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE oreguard_runtime');
      await work(client);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await ensureDatabase(url);
    const mine = migrations.indexOf(IncidentRetention1765120000000);
    await runMigrations(mine);
    db = new Db(url, 4);
    await db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await db.query(`INSERT INTO gateways (site_id, id) VALUES ($1, $2)`, [SITE, GATEWAY]);
    await anIncident(ids.gone, 'resolved', old);
    await anIncident(ids.held, 'resolved', old);
    await anIncident(ids.open, 'open', null);
    await anIncident(ids.recent, 'resolved', new Date());
    await anIncident(ids.locked, 'resolved', old);
    onlyGone = await aKeptEvent();
    shared = await aKeptEvent();
    await link(ids.gone, onlyGone);
    await link(ids.gone, shared);
    await link(ids.open, shared);
    for (const id of Object.values(ids)) {
      await db.query(
        `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, $2, 'system', 'opened')`,
        [id, old],
      );
    }
    await db.query(
      `INSERT INTO incident_legal_holds (incident_id, site_id, reason, set_by, set_at) VALUES ($1, $2, 'Police case', 'lead', now())`,
      [ids.held, SITE],
    );
    // Then the migration, on a database with incidents and kept events.
    await runMigrations(migrations.length);
  });

  afterAll(async () => {
    await db?.close();
    const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('refuses every DELETE of an incident, its links, timeline and kept events, to the runtime role even with the setting on', async () => {
    await asRuntime(async (c) => {
      await c.query(`SET LOCAL oreguard.retiring = 'on'`);
      for (const sql of [
        'DELETE FROM incidents',
        'DELETE FROM incident_events',
        'DELETE FROM incident_timeline',
        'DELETE FROM events_kept',
        'DELETE FROM retired_incidents',
        'INSERT INTO retired_incidents (id, site_id, resolved_at, batch, retired_at) VALUES (gen_random_uuid(), $1, now(), 1, now())',
      ]) {
        await c.query('SAVEPOINT s');
        await expect(c.query(sql, sql.includes('$1') ? [SITE] : [])).rejects.toThrow(/permission denied|append-only/);
        await c.query('ROLLBACK TO s');
      }
    });
    // The migrating role too, outside the function: the triggers refuse.
    await expect(db.query('DELETE FROM incidents WHERE id = $1', [ids.gone])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM incident_timeline WHERE incident_id = $1', [ids.gone])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query(`SELECT oreguard_retire_incidents(now() + interval '1 day', 10)`)).rejects.toThrow(
      /after now/,
    );
  });

  it('moves out exactly the resolved, unheld incidents past the bound, skipping one a reopening holds locked', async () => {
    const reopening = new Client({ connectionString: url });
    await reopening.connect();
    let batch = '';
    try {
      await reopening.query('BEGIN');
      await reopening.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [ids.locked]);
      await asRuntime(async (c) => {
        batch = (await c.query<{ b: string }>('SELECT oreguard_retire_incidents($1, 100) AS b', [bound])).rows[0].b;
      });
      await reopening.query(`UPDATE incidents SET status = 'open', resolved_at = NULL WHERE id = $1`, [ids.locked]);
      await reopening.query('COMMIT');
    } finally {
      await reopening.end();
    }
    expect(batch).not.toBeNull();
    const left = await db.query<{ id: string }>('SELECT id FROM incidents ORDER BY id');
    expect(left.map((r) => r.id).sort()).toEqual([ids.held, ids.open, ids.recent, ids.locked].sort());
    const t = (table: string) => `retiring_${batch}_${table}`;
    expect(await count(`SELECT count(*) AS n FROM ${t('incidents')}`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${t('incident_timeline')}`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${t('incident_events')}`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM ${t('incident_spans')}`)).toBe(1);
    // Its own kept event went (and its key); the one another incident holds stayed.
    expect((await db.query<{ id: string }>(`SELECT id FROM ${t('events')}`)).map((r) => r.id)).toEqual([onlyGone]);
    expect(await count('SELECT count(*) AS n FROM events WHERE id = $1', [shared])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM event_keys WHERE id = $1', [onlyGone])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM incident_events WHERE incident_id = $1', [ids.gone])).toBe(0);
    expect(await db.query('SELECT site_id, batch::text FROM retired_incidents WHERE id = $1', [ids.gone])).toEqual([
      { site_id: SITE, batch },
    ]);

    // The batch is readable, never writable, by the runtime role; dropped only once audited.
    await asRuntime(async (c) => {
      expect((await c.query(`SELECT count(*) AS n FROM ${t('incidents')}`)).rows[0].n).toBe('1');
      await c.query('SAVEPOINT s');
      await expect(c.query(`DELETE FROM ${t('incident_timeline')}`)).rejects.toThrow(/permission denied/);
      await c.query('ROLLBACK TO s');
      await expect(c.query('SELECT oreguard_drop_retired_batch($1)', [batch])).rejects.toThrow(/no archive of/);
      await c.query('ROLLBACK TO s');
    });
    const tables = (
      await db.query<{ tables: string[] }>('SELECT tables FROM retirement_batches WHERE id = $1', [batch])
    )[0].tables;
    for (const table of tables) {
      const rows = await count(`SELECT count(*) AS n FROM ${table}`);
      await db.query(
        `INSERT INTO audit_log (at, actor, action, target, details) VALUES (now(), 'system', 'retention.archived', $1, $2)`,
        [table, { rows }],
      );
    }
    await asRuntime(async (c) => {
      expect((await c.query('SELECT oreguard_drop_retired_batch($1) AS n', [batch])).rows[0].n).toBe(5);
    });
    expect(await count(`SELECT count(*) AS n FROM pg_class WHERE relname LIKE 'retiring\\_%'`)).toBe(0);
    // Nothing else may leave now: the held, open, recent and reopened incidents stay.
    expect(
      (await db.query<{ b: string | null }>('SELECT oreguard_retire_incidents($1, 100) AS b', [bound]))[0].b,
    ).toBeNull();
  });

  it('binds no event to an incident while it leaves: a link waits, then finds its incident gone', async () => {
    const id = randomUUID();
    await anIncident(id, 'resolved', old);
    const eventId = await aKeptEvent();
    const retiring = new Client({ connectionString: url });
    const linking = new Client({ connectionString: url });
    await Promise.all([retiring.connect(), linking.connect()]);
    try {
      await retiring.query('BEGIN');
      const batch = (await retiring.query<{ b: string }>('SELECT oreguard_retire_incidents($1, 100) AS b', [bound]))
        .rows[0].b;
      expect(batch).not.toBeNull();
      const link = linking.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [id, eventId]);
      const outcome = link.then(
        () => 'linked',
        (e: Error) => e.message,
      );
      await retiring.query('COMMIT');
      expect(await outcome).toMatch(/foreign key/);
      expect(await count('SELECT count(*) AS n FROM incident_events WHERE incident_id = $1', [id])).toBe(0);
      // The batch waits for its archive; the event, linked to nothing, stays where it was.
      expect(await count('SELECT count(*) AS n FROM events WHERE id = $1', [eventId])).toBe(1);
      for (const table of (
        await db.query<{ tables: string[] }>('SELECT tables FROM retirement_batches WHERE id = $1', [batch])
      )[0].tables) {
        const rows = await count(`SELECT count(*) AS n FROM ${table}`);
        await db.query(
          `INSERT INTO audit_log (at, actor, action, target, details) VALUES (now(), 'system', 'retention.archived', $1, $2)`,
          [table, { rows }],
        );
      }
      await db.query(`SELECT oreguard_drop_retired_batch($1)`, [batch]);
    } finally {
      await Promise.all([retiring.end(), linking.end()]);
    }
  });

  it('reverts and applies again', async () => {
    const all = source();
    await all.initialize();
    const runner = all.createQueryRunner();
    try {
      const migration = new IncidentRetention1765120000000();
      await runner.startTransaction();
      await migration.down(runner);
      await runner.commitTransaction();
      expect(await count(`SELECT count(*) AS n FROM pg_proc WHERE proname = 'oreguard_retire_incidents'`)).toBe(0);
      expect(
        await count(`SELECT count(*) AS n FROM pg_constraint WHERE conname = 'shared_objects_incident_id_fkey'`),
      ).toBe(1);
      await expect(db.query('DELETE FROM incident_timeline WHERE incident_id = $1', [ids.held])).rejects.toThrow(
        /append-only/,
      );
      await runner.startTransaction();
      await migration.up(runner);
      await runner.commitTransaction();
      expect(await count(`SELECT count(*) AS n FROM pg_proc WHERE proname = 'oreguard_retire_incidents'`)).toBe(1);
      expect(await count('SELECT count(*) AS n FROM incidents')).toBe(4);
    } finally {
      await runner.release();
      await all.destroy();
    }
  });
});
