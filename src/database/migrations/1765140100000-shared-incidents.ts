import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishing shared objects moves from partner reads to the worker (sharing-publisher.service.ts):
 * - shared_incidents: per incident, the `updated_at` its objects were last published for, so a
 *   run reads again only incidents changed since (the scan still looks back a margin behind the
 *   cursor for folds that committed late, without recomputing what did not change);
 * - where the publisher finds incidents changed lately: `incident_spans.updated_until`, the
 *   incident's updated_at rounded up to the minute, indexed. Not an index on incidents
 *   (updated_at): every fold moves updated_at, and an index holding it would make each growth of
 *   an incident a non-HOT update writing every index of incidents (1764810000000 explains why
 *   that matters). As with seen_until, the spans' trigger writes the row at most about once a
 *   minute however often the incident changes; the publisher checks the exact updated_at.
 * Nothing here reads the events table; down() undoes it.
 */
export class SharedIncidents1765140100000 implements MigrationInterface {
  name = 'SharedIncidents1765140100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE shared_incidents (incident_id uuid PRIMARY KEY, updated_at timestamptz NOT NULL)`);

    await q.query('ALTER TABLE incident_spans ADD COLUMN updated_until timestamptz');
    await q.query(`
      UPDATE incident_spans s SET updated_until = incident_span_until(i.updated_at)
        FROM incidents i WHERE i.id = s.incident_id`);
    await q.query('ALTER TABLE incident_spans ALTER COLUMN updated_until SET NOT NULL');
    await q.query('CREATE INDEX incident_spans_updated ON incident_spans (updated_until)');
    await q.query(SPANS_INSERTED_WITH_UPDATES);
    await q.query(SPANS_UPDATED_WITH_UPDATES);
    await q.query('DROP TRIGGER incident_spans_updated ON incidents');
    await q.query(`
      CREATE TRIGGER incident_spans_updated AFTER UPDATE OF site_id, group_key, first_seen_at, last_seen_at, updated_at ON incidents
        FOR EACH ROW
        WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.group_key IS DISTINCT FROM NEW.group_key
              OR incident_span_from(OLD.first_seen_at) IS DISTINCT FROM incident_span_from(NEW.first_seen_at)
              OR incident_span_until(OLD.last_seen_at) IS DISTINCT FROM incident_span_until(NEW.last_seen_at)
              OR incident_span_until(OLD.updated_at) IS DISTINCT FROM incident_span_until(NEW.updated_at))
        EXECUTE FUNCTION incident_spans_updated()`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The trigger and functions as 1764810000000 made them.
    await q.query('DROP TRIGGER incident_spans_updated ON incidents');
    await q.query(`
      CREATE TRIGGER incident_spans_updated AFTER UPDATE OF site_id, group_key, first_seen_at, last_seen_at ON incidents
        FOR EACH ROW
        WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.group_key IS DISTINCT FROM NEW.group_key
              OR incident_span_from(OLD.first_seen_at) IS DISTINCT FROM incident_span_from(NEW.first_seen_at)
              OR incident_span_until(OLD.last_seen_at) IS DISTINCT FROM incident_span_until(NEW.last_seen_at))
        EXECUTE FUNCTION incident_spans_updated()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION incident_spans_inserted() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO incident_spans (incident_id, site_id, group_key, seen_from, seen_until)
        VALUES (NEW.id, NEW.site_id, NEW.group_key, incident_span_from(NEW.first_seen_at), incident_span_until(NEW.last_seen_at));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION incident_spans_updated() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE incident_spans
           SET site_id = NEW.site_id, group_key = NEW.group_key,
               seen_from = incident_span_from(NEW.first_seen_at), seen_until = incident_span_until(NEW.last_seen_at)
         WHERE incident_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query('DROP INDEX incident_spans_updated');
    await q.query('ALTER TABLE incident_spans DROP COLUMN updated_until');
    await q.query('DROP TABLE shared_incidents');
  }
}

const SPANS_INSERTED_WITH_UPDATES = `
  CREATE OR REPLACE FUNCTION incident_spans_inserted() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO incident_spans (incident_id, site_id, group_key, seen_from, seen_until, updated_until)
    VALUES (NEW.id, NEW.site_id, NEW.group_key, incident_span_from(NEW.first_seen_at), incident_span_until(NEW.last_seen_at),
            incident_span_until(NEW.updated_at));
    RETURN NULL;
  END $$`;

const SPANS_UPDATED_WITH_UPDATES = `
  CREATE OR REPLACE FUNCTION incident_spans_updated() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE incident_spans
       SET site_id = NEW.site_id, group_key = NEW.group_key,
           seen_from = incident_span_from(NEW.first_seen_at), seen_until = incident_span_until(NEW.last_seen_at),
           updated_until = incident_span_until(NEW.updated_at)
     WHERE incident_id = NEW.id;
    RETURN NULL;
  END $$`;
