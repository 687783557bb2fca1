import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Db } from '../../src/database/db';
import { CLAIMED, claimEventKeys } from '../../src/database/events-once';
import { ensureDatabase } from '../../src/database/ensure-database';
import { migrations } from '../../src/database/migrations';
import { TimePartitions1765000000000 } from '../../src/database/migrations/1765000000000-time-partitions';
import { TEST_SERVICES } from '../support/services';

/**
 * Migration 1765000000000 on a database holding data: every row moves into the partitioned
 * tables unchanged, identities continue, the append-only triggers, foreign keys and runtime
 * grants keep working, a resend is stored once whichever partition it would land in, rows with
 * no partition wait in the default one and move out when theirs is made, and queries by time
 * touch only the partitions they need.
 */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-1';
const DAY_MS = 86_400_000;
const PARTITIONED = {
  events: 'id',
  live_messages: 'site_id, seq',
  rejected_events: 'id',
  sensor_health_changes: 'id',
} as const;

describe('time partitions migration', () => {
  const name = `og_time_partitions_${randomBytes(4).toString('hex')}`;
  const url = `${TEST_SERVICES.postgresUrl}/${name}`;
  let db: Db;
  const before: Record<string, string[]> = {};
  const incidentId = randomUUID();
  const now = Date.now();

  const runMigrations = async (list: unknown[]) => {
    const source = new DataSource({
      type: 'postgres',
      url,
      migrations: list as DataSource['options']['migrations'],
      migrationsTableName: 'schema_migrations',
      migrationsTransactionMode: 'each',
    });
    await source.initialize();
    try {
      await source.runMigrations({ transaction: 'each' });
    } finally {
      await source.destroy();
    }
  };
  const rowsOf = async (table: string, order: string) =>
    (await db.query<{ r: string }>(`SELECT (to_jsonb(t) - 'kept')::text AS r FROM ${table} t ORDER BY ${order}`)).map(
      (row) => row.r,
    );
  const anEvent = (eventId: string, receivedAt: Date) =>
    db.query<{ id: string }>(
      `WITH ${claimEventKeys(`SELECT $1::text AS site_id, $2::text AS gateway_id, $3::uuid AS event_id, $4::timestamptz AS received_at`)}
       INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload)
       OVERRIDING SYSTEM VALUE
       SELECT id, site_id, gateway_id, event_id, 'rf-mast-2', 'drone', 'high', received_at, received_at, 'canonical', '{}', 't', $5
         FROM claimable WHERE ${CLAIMED}
       RETURNING id, tableoid::regclass::text AS part`,
      [SITE, GATEWAY, eventId, receivedAt, `{"eventId":"${eventId}"}`],
    );

  beforeAll(async () => {
    await ensureDatabase(url);
    const mine = migrations.indexOf(TimePartitions1765000000000);
    await runMigrations(migrations.slice(0, mine));
    db = new Db(url, 2);
    await db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await db.query(`INSERT INTO gateways (site_id, id) VALUES ($1, $2)`, [SITE, GATEWAY]);
    // Four days of history, an event every 2 hours, one of them in an incident with a timeline.
    await db.query(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, seq, occurred_at, received_at, source, details, topic, raw_payload, folded_at)
       SELECT $1, $2, gen_random_uuid(), 'rf-mast-2', 'drone', 'medium', n, t - interval '1 second', t, 'canonical', jsonb_build_object('n', n), 't', '{"n":' || n || '}', t
         FROM generate_series(0, 47) n, LATERAL (SELECT to_timestamp($3 / 1000.0) - n * interval '2 hours' AS t) x`,
      [SITE, GATEWAY, now],
    );
    await db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at)
       VALUES ($1, $2, 'drone', 'Drone over the tailings', 'high', 3, 'open', '{drone}', '{}', 1, now(), now(), now(), now())`,
      [incidentId, SITE],
    );
    await db.query(`INSERT INTO incident_events (incident_id, event_id) SELECT $1, min(id) FROM events`, [incidentId]);
    await db.query(
      `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, now(), 'system', 'opened')`,
      [incidentId],
    );
    await db.query(
      `INSERT INTO live_messages (site_id, seq, type, incident_id, payload, created_at)
       SELECT $1, n, 'incident', $2, '{}', now() - n * interval '1 day' FROM generate_series(1, 3) n`,
      [SITE, incidentId],
    );
    await db.query(
      `INSERT INTO rejected_events (received_at, topic, site_id, gateway_id, reason, payload, payload_bytes)
       VALUES (now() - interval '2 days', 't', $1, $2, 'kind: required', '{}', 2), (now(), 't', NULL, NULL, 'not JSON', 'x', 1)`,
      [SITE, GATEWAY],
    );
    await db.query(
      `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason, recorded_at)
       VALUES ($1, $2, 'sensor', 'rf-mast-2', 'fault', now() - interval '3 days', 'fault', now() - interval '3 days')`,
      [SITE, GATEWAY],
    );
    for (const [table, order] of Object.entries(PARTITIONED)) before[table] = await rowsOf(table, order);
    await runMigrations(migrations);
  });

  afterAll(async () => {
    await db?.close();
    const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('moves every row, unchanged, into a partitioned table with a partition per day', async () => {
    for (const [table, order] of Object.entries(PARTITIONED)) {
      expect(await rowsOf(table, order)).toEqual(before[table]);
      const [kind] = await db.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]);
      expect(kind.relkind).toBe('p');
      const defaults = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}_default`);
      expect(Number(defaults[0].n)).toBe(0);
    }
    const parts = await db.query<{ part: string; n: string }>(
      `SELECT tableoid::regclass::text AS part, count(*) AS n FROM events GROUP BY 1`,
    );
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const { part } of parts) expect(part).toMatch(/^events_p\d{8}$/);
    expect(before.events).toHaveLength(48);
  });

  it('keeps site_id in every key but rejected events, and the identities counting on', async () => {
    const keys = await db.query<{ table: string; key: string }>(
      `SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS key FROM pg_constraint
        WHERE contype = 'p' AND conrelid = ANY(ARRAY['events', 'live_messages', 'rejected_events', 'sensor_health_changes']::regclass[])`,
    );
    expect(Object.fromEntries(keys.map((k) => [k.table, k.key]))).toEqual({
      events: 'PRIMARY KEY (id, site_id, received_at, kept)',
      live_messages: 'PRIMARY KEY (site_id, seq, created_at)',
      rejected_events: 'PRIMARY KEY (id, received_at)',
      sensor_health_changes: 'PRIMARY KEY (id, site_id, recorded_at)',
    });
    const maxId = Math.max(...before.events.map((r) => JSON.parse(r).id as number));
    const [row] = await anEvent(randomUUID(), new Date());
    expect(Number(row.id)).toBe(maxId + 1);
  });

  it('stores a resend once, even when it would land in the next partition', async () => {
    const eventId = randomUUID();
    const first = await anEvent(eventId, new Date(now));
    expect(first).toHaveLength(1);
    const resend = await anEvent(eventId, new Date(now + DAY_MS));
    expect(resend).toHaveLength(0);
    const stored = await db.query(`SELECT id FROM events WHERE event_id = $1`, [eventId]);
    expect(stored).toHaveLength(1);
    // Keys of the events there were before the migration are known as well.
    const old = JSON.parse(before.events[0]) as { event_id: string; received_at: string };
    expect(await anEvent(old.event_id, new Date(now + DAY_MS))).toHaveLength(0);
  });

  it('keeps refusing every DELETE, UPDATE of content and TRUNCATE of events, on the table and on each partition', async () => {
    const [{ part }] = await db.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM events LIMIT 1`);
    await expect(db.query(`DELETE FROM events`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ${part}`)).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE events SET raw_payload = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE ${part}`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE events_default`)).rejects.toThrow(/append-only/);
    await expect(
      db.query(`UPDATE events SET folded_at = now() WHERE id = (SELECT min(id) FROM events)`),
    ).resolves.toBeDefined();
  });

  it('keeps the foreign keys from events to gateways and sites', async () => {
    await expect(
      db.query(
        `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic, raw_payload)
         VALUES ($1, 'no-such-gateway', gen_random_uuid(), 's', 'drone', now(), now(), 'canonical', '{}', 't', '{}')`,
        [SITE],
      ),
    ).rejects.toThrow(/foreign key/);
    await expect(
      db.query(
        `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason)
         VALUES ('no-such-site', 'g', 'sensor', 's', 'ok', now(), 'r')`,
      ),
    ).rejects.toThrow(/foreign key/);
  });

  it('lets the runtime role store, read and make partitions, never delete events or their keys', async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE oreguard_runtime');
      const [{ part }] = (
        await client.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM events LIMIT 1`)
      ).rows;
      await client.query('SAVEPOINT s');
      await expect(client.query(`DELETE FROM ${part}`)).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK TO s');
      await expect(client.query(`DELETE FROM event_keys`)).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK TO s');
      await expect(client.query(`DROP TABLE ${part}`)).rejects.toThrow(/must be owner/);
      await client.query('ROLLBACK TO s');
      const made = await client.query<{ made: number }>(
        `SELECT oreguard_ensure_partitions('events', 'day', now(), now() + interval '20 days') AS made`,
      );
      expect(made.rows[0].made).toBeGreaterThan(0);
      const stored = await client.query(
        `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic, raw_payload)
         VALUES ($1, $2, gen_random_uuid(), 's', 'drone', now(), now() + interval '19 days', 'canonical', '{}', 't', '{}')
         RETURNING tableoid::regclass::text AS part`,
        [SITE, GATEWAY],
      );
      expect(stored.rows[0].part).toMatch(/^events_p\d{8}$/);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('stores a row with no partition in the default one, and moves it out when its partition is made', async () => {
    const far = new Date(now + 60 * DAY_MS);
    const [row] = await db.query<{ id: string; part: string }>(
      `INSERT INTO rejected_events (received_at, topic, reason, payload, payload_bytes) VALUES ($1, 't', 'r', 'p', 1)
       RETURNING id, tableoid::regclass::text AS part`,
      [far],
    );
    expect(row.part).toBe('rejected_events_default');
    const eventId = randomUUID();
    const [event] = await anEvent(eventId, far);
    expect(event).toMatchObject({ part: 'events_default' });

    // Twice at once, as two instances would: each partition is made once.
    const ensure = (table: string) =>
      db.query<{ made: number }>(`SELECT oreguard_ensure_partitions($1, 'week', now(), $2) AS made`, [
        table,
        new Date(far.getTime() + DAY_MS),
      ]);
    const made = await Promise.all([ensure('rejected_events'), ensure('rejected_events'), ensure('events')]);
    expect(made[0][0].made + made[1][0].made).toBeGreaterThan(0);
    expect(Math.min(made[0][0].made, made[1][0].made)).toBe(0);

    const [moved] = await db.query<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM rejected_events WHERE id = $1`,
      [row.id],
    );
    expect(moved.part).toMatch(/^rejected_events_p\d{8}$/);
    const [movedEvent] = await db.query<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM events WHERE event_id = $1`,
      [eventId],
    );
    expect(movedEvent.part).toMatch(/^events_p\d{8}$/);
    const [{ enabled }] = await db.query<{ enabled: string }>(
      `SELECT string_agg(tgenabled::text, '') AS enabled FROM pg_trigger WHERE tgrelid = 'events_default'::regclass AND NOT tgisinternal`,
    );
    expect(enabled).toMatch(/^O+$/);
  });

  it('prunes partitions for a query by received time', async () => {
    // An hour inside one day's partition: yesterday noon (UTC), whatever the time of the run.
    const noon = Math.floor((now - DAY_MS) / DAY_MS) * DAY_MS + DAY_MS / 2;
    const plan = (
      await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (COSTS OFF) SELECT id FROM events WHERE site_id = $1 AND received_at >= $2 AND received_at < $3`,
        [SITE, new Date(noon), new Date(noon + 3_600_000)],
      )
    )
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    const scanned = plan.match(/events_p\d{8}|events_default/g) ?? [];
    expect(new Set(scanned).size).toBe(1);
  });
});
