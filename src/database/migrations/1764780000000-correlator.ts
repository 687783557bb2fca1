import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live correlation (src/correlation/correlator.service.ts) reads accepted events in the order
 * their transactions committed, from a cursor it moves forward in the same transaction as the
 * incidents it writes.
 *
 * - events.ingest_xid: the id of the transaction that stored the event. Every transaction below
 *   the oldest one still running (pg_snapshot_xmin) has ended, so the events stored with such
 *   ids are all there will ever be: a cursor over (ingest_xid, id) never skips one that commits
 *   late. Events stored before this migration keep NULL and are history, not live input.
 * - correlation_cursor: one row, the (ingest_xid, id) of the last event the correlator took.
 *   It starts at the transactions running now, so live correlation begins with new events.
 */
export class Correlator1764780000000 implements MigrationInterface {
  name = 'Correlator1764780000000';

  async up(q: QueryRunner): Promise<void> {
    // Added without a default first, so existing rows are not rewritten; new rows get theirs.
    await q.query('ALTER TABLE events ADD COLUMN ingest_xid xid8');
    await q.query('ALTER TABLE events ALTER COLUMN ingest_xid SET DEFAULT pg_current_xact_id()');
    await q.query('CREATE INDEX events_ingest_xid ON events (ingest_xid, id) WHERE ingest_xid IS NOT NULL');
    await q.query(`
      CREATE TABLE correlation_cursor (
        id          smallint PRIMARY KEY CHECK (id = 1),
        xid         xid8 NOT NULL,
        event_id    bigint NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `INSERT INTO correlation_cursor (id, xid, event_id) VALUES (1, pg_snapshot_xmin(pg_current_snapshot()), 0)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE correlation_cursor');
    await q.query('DROP INDEX events_ingest_xid');
    await q.query('ALTER TABLE events DROP COLUMN ingest_xid');
  }
}
