import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time span of every incident (first and last event time) in a narrow table of its own,
 * incident_spans, kept by triggers on incidents, so that folding can look incidents up by
 * group and recency without incidents' own indexes holding last_seen_at.
 *
 * Why: a fold rewrites each incident it grows. While last_seen_at was in an index of incidents
 * (incidents_active_group, incidents_window), no such update could be HOT: each new row version
 * went into every index of incidents (up to eleven, three of them GIN), and the incident UPDATE
 * was most of a fold's cost in PostgreSQL (about 0.3 ms an incident in the bench, more as the
 * indexes bloated under load). With those two indexes moved to incident_spans, and room left on incidents' pages
 * (fillfactor 70), growing an incident is a HOT update of incidents plus an update of one
 * narrow row with three B-tree indexes. Incidents' other indexed columns (severity, zones,
 * title, rule ids, status, lifecycle times) change seldom.
 *
 * Triggers, not the writers, keep the spans (statement-level, over the transition tables): every
 * writer of incidents stays right without knowing of them, like the timeline's hash chain.
 */
export class IncidentSpans1764810000000 implements MigrationInterface {
  name = 'IncidentSpans1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incident_spans (
        incident_id    uuid PRIMARY KEY REFERENCES incidents (id),
        site_id        text NOT NULL,
        group_key      text NOT NULL,
        first_seen_at  timestamptz NOT NULL,
        last_seen_at   timestamptz NOT NULL
      )`);
    await q.query(`
      INSERT INTO incident_spans (incident_id, site_id, group_key, first_seen_at, last_seen_at)
      SELECT id, site_id, group_key, first_seen_at, last_seen_at FROM incidents`);
    // Folding and the correlator: a group's incidents (a kind's, or its drone tracks') by recency.
    await q.query('CREATE INDEX incident_spans_group ON incident_spans (site_id, group_key, last_seen_at)');
    // REST: incidents active in a window (from/to).
    await q.query('CREATE INDEX incident_spans_window ON incident_spans (last_seen_at, first_seen_at)');

    await q.query(`
      CREATE FUNCTION incident_spans_inserted() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO incident_spans (incident_id, site_id, group_key, first_seen_at, last_seen_at)
        SELECT id, site_id, group_key, first_seen_at, last_seen_at FROM new_incidents;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER incident_spans_inserted AFTER INSERT ON incidents
        REFERENCING NEW TABLE AS new_incidents FOR EACH STATEMENT EXECUTE FUNCTION incident_spans_inserted()`);
    await q.query(`
      CREATE FUNCTION incident_spans_updated() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE incident_spans s
           SET site_id = n.site_id, group_key = n.group_key, first_seen_at = n.first_seen_at, last_seen_at = n.last_seen_at
          FROM new_incidents n
         WHERE s.incident_id = n.id
           AND (s.site_id, s.group_key, s.first_seen_at, s.last_seen_at)
               IS DISTINCT FROM (n.site_id, n.group_key, n.first_seen_at, n.last_seen_at);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER incident_spans_updated AFTER UPDATE ON incidents
        REFERENCING NEW TABLE AS new_incidents FOR EACH STATEMENT EXECUTE FUNCTION incident_spans_updated()`);

    await q.query('DROP INDEX incidents_active_group');
    await q.query('DROP INDEX incidents_window');
    // A group's unresolved incident by its key alone (a sensor's health incident): nothing in it
    // changes when an incident grows.
    await q.query(`CREATE INDEX incidents_unresolved_group ON incidents (site_id, group_key) WHERE status <> 'resolved'`);
    // Room on each page for the next version of a row: what makes an update HOT (new pages only).
    await q.query('ALTER TABLE incidents SET (fillfactor = 70)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incidents RESET (fillfactor)');
    await q.query('DROP INDEX incidents_unresolved_group');
    await q.query(
      `CREATE INDEX incidents_active_group ON incidents (site_id, group_key, last_seen_at) WHERE status <> 'resolved'`,
    );
    await q.query('CREATE INDEX incidents_window ON incidents (last_seen_at, first_seen_at)');
    await q.query('DROP TRIGGER incident_spans_updated ON incidents');
    await q.query('DROP TRIGGER incident_spans_inserted ON incidents');
    await q.query('DROP FUNCTION incident_spans_updated()');
    await q.query('DROP FUNCTION incident_spans_inserted()');
    await q.query('DROP TABLE incident_spans');
  }
}
