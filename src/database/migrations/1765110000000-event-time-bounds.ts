import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events are partitioned by arrival (`received_at`), but read by event time (`occurred_at`):
 * `GET /events?from&to` would otherwise look into every partition. Ingest bounds how far an
 * event time may be from its arrival (EVENT_MAX_FUTURE_MS ahead, EVENT_MAX_LATENESS_DAYS
 * behind); `event_time_bounds` (one row) keeps the widest bounds any OreGuard has enforced,
 * raised by each instance as it starts ingesting, never lowered, and since when they hold
 * (`bounded_since`: this migration; events stored before it may be any distance from their
 * arrival, so their partitions are always read). A query by event time then adds the
 * `received_at` range those bounds imply, and PostgreSQL prunes the partitions outside it.
 * Nothing here reads the events table.
 */
export class EventTimeBounds1765110000000 implements MigrationInterface {
  name = 'EventTimeBounds1765110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_time_bounds (
        only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        max_future_ms   bigint NOT NULL CHECK (max_future_ms >= 0),
        max_lateness_ms bigint NOT NULL CHECK (max_lateness_ms >= 0),
        bounded_since   timestamptz NOT NULL
      )`);
    // The defaults (5 minutes, 30 days) until an instance records its own settings on start.
    await q.query(
      `INSERT INTO event_time_bounds (max_future_ms, max_lateness_ms, bounded_since) VALUES (300000, 2592000000, now())`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE event_time_bounds');
  }
}
