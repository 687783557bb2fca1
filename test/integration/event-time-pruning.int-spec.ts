import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Db } from '../../src/database/db';
import { migrateDatabase } from '../../src/database/migrate';
import type { Principal } from '../../src/auth/principal';
import { EventsService } from '../../src/events/events.service';
import { recordEventTimeBounds } from '../../src/events/event-time-bounds';
import type { EventQuery } from '../../src/platform/query.schemas';
import { TEST_SERVICES } from '../support/services';
import { relationsRun } from '../support/query-plan';

/**
 * GET /events by event time (occurred_at) over events partitioned by arrival (received_at):
 * the query reads only the partitions the event-time bounds allow (the plan, EXPLAIN FORMAT
 * JSON), and answers exactly what a query without them answers, the latest-allowed event included.
 */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-1';
const DAY_MS = 86_400_000;
const LEAD: Principal = { userId: '00000000-0000-4000-8000-000000000001', username: 'lead', role: 'lead', siteIds: [] };

describe('events by event time are partition-pruned', () => {
  const name = `og_event_time_${randomBytes(4).toString('hex')}`;
  const url = `${TEST_SERVICES.postgresUrl}/${name}`;
  const start = Date.UTC(2026, 5, 1);
  let db: Db;
  let service: EventsService;
  const statements: { text: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    await migrateDatabase(url);
    db = new Db(url, 2);
    await db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await db.query(`INSERT INTO gateways (site_id, id) VALUES ($1, $2)`, [SITE, GATEWAY]);
    await db.query(`SELECT oreguard_ensure_partitions('events', 'day', $1, $2)`, [
      new Date(start),
      new Date(start + 120 * DAY_MS),
    ]);
    // 90 days, an event every 3 hours arriving 2 s after it occurred, and one that arrived as
    // late as ingest allows (29 days) and one as early (4 minutes before it occurred).
    await db.query(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload)
       SELECT $1, $2, gen_random_uuid(), 'rf-mast-2', 'drone', 'medium', t, t + interval '2 seconds', 'canonical', '{}', 't', '{}'
         FROM generate_series(to_timestamp($3 / 1000.0), to_timestamp($3 / 1000.0) + interval '90 days', interval '3 hours') t`,
      [SITE, GATEWAY, start],
    );
    await db.query(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, severity, occurred_at, received_at, source, details, topic, raw_payload)
       VALUES ($1, $2, gen_random_uuid(), 'late-sensor', 'drone', 'high', $3, $3::timestamptz + interval '29 days', 'canonical', '{}', 't', '{}'),
              ($1, $2, gen_random_uuid(), 'early-sensor', 'drone', 'high', $4, $4::timestamptz - interval '4 minutes', 'canonical', '{}', 't', '{}')`,
      [SITE, GATEWAY, new Date(start + 40 * DAY_MS + 3_600_000), new Date(start + 40 * DAY_MS + 7_200_000)],
    );
    // These events arrived under the bounds (as if stored after the migration), and an instance
    // with the defaults (5 minutes ahead, 30 days behind) has started.
    await db.query(`UPDATE event_time_bounds SET bounded_since = $1`, [new Date(start - DAY_MS)]);
    await recordEventTimeBounds(db.pool, 300_000, 30 * DAY_MS);
    await db.query('ANALYZE events');
    const spied = Object.create(db) as Db;
    spied.query = (async (text: string, params?: unknown[]) => {
      if (text.includes('FROM events e')) statements.push({ text, params: params ?? [] });
      return db.query(text, params);
    }) as Db['query'];
    service = new EventsService(spied);
  });

  afterAll(async () => {
    await db?.close();
    const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  /** Every page of GET /events for a query, and the partitions the first page's plan reads. */
  const listAll = async (query: Omit<EventQuery, 'limit'>) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    statements.length = 0;
    do {
      const page = await service.list(LEAD, { ...query, limit: 50, cursor } as EventQuery);
      ids.push(...page.items.map((e) => e.eventId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const first = statements[0];
    const [row] = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${first.text}`, first.params);
    return { ids, partitions: relationsRun(row['QUERY PLAN'], /^events_p\d{8}$/) };
  };
  const unpruned = async (from: Date, to: Date) =>
    (
      await db.query<{ event_id: string }>(
        `SELECT event_id FROM events WHERE site_id = $1 AND occurred_at >= $2 AND occurred_at <= $3 ORDER BY occurred_at DESC, id DESC`,
        [SITE, from, to],
      )
    ).map((r) => r.event_id);

  it('reads a day of events from the partitions it can be in, and finds the same events', async () => {
    const from = new Date(start + 40 * DAY_MS);
    const to = new Date(start + 41 * DAY_MS);
    const { ids, partitions } = await listAll({ siteId: SITE, from, to });
    expect(ids).toEqual(await unpruned(from, to));
    expect(ids.length).toBeGreaterThan(8); // the day's 8 or 9, the late and the early one
    // From the day before (5 minutes ahead, plus slack) to 30 days after: about 32 of 120 partitions.
    expect(partitions.length).toBeGreaterThan(0);
    expect(partitions.length).toBeLessThanOrEqual(33);
    expect(partitions).not.toContain('events_p20260601');
    expect(partitions).not.toContain('events_p20260815');
  });

  it('keeps the event that arrived 29 days late and the one that arrived early', async () => {
    const from = new Date(start + 40 * DAY_MS + 3_600_000);
    const { ids } = await listAll({ siteId: SITE, from, to: new Date(from.getTime() + 2 * 3_600_000) });
    const sensors = await db.query<{ sensor_id: string }>(
      `SELECT sensor_id FROM events WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(sensors.map((s) => s.sensor_id).sort()).toEqual(['early-sensor', 'late-sensor', 'rf-mast-2']);
  });

  it('reads every partition for events stored before the bounds held', async () => {
    await db.query(`UPDATE event_time_bounds SET bounded_since = $1`, [new Date(start + 200 * DAY_MS)]);
    try {
      const from = new Date(start + 40 * DAY_MS);
      const to = new Date(start + 41 * DAY_MS);
      const { ids, partitions } = await listAll({ siteId: SITE, from, to });
      expect(ids).toEqual(await unpruned(from, to));
      expect(partitions.length).toBeGreaterThan(100);
    } finally {
      await db.query(`UPDATE event_time_bounds SET bounded_since = $1`, [new Date(start - DAY_MS)]);
    }
  });

  it('widens the bounds an instance records, never narrows them', async () => {
    await recordEventTimeBounds(db.pool, 60_000, DAY_MS);
    const [row] = await db.query<{ f: string; l: string }>(
      `SELECT max_future_ms AS f, max_lateness_ms AS l FROM event_time_bounds`,
    );
    expect([Number(row.f), Number(row.l)]).toEqual([300_000, 30 * DAY_MS]);
  });
});
