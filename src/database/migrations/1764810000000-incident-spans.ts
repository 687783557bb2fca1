import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where folding finds incidents by recency: incident_spans, each incident's span of event time
 * rounded out to whole minutes, kept by triggers on incidents. incidents' own indexes no longer
 * hold last_seen_at.
 *
 * Why: a fold rewrites each incident it grows. While last_seen_at was in an index of incidents
 * (incidents_active_group, incidents_window), no such update could be HOT: each new row version
 * went into every index of incidents (up to eleven, three of them GIN), and the incident UPDATE
 * was most of a fold's cost in PostgreSQL (about 0.3 ms an incident in the bench, more as the
 * indexes filled with dead entries under load). Now growing an incident is a HOT update (30 %
 * of each page is left free for it: fillfactor 70); incidents' other indexed columns (severity,
 * zones, title, rule ids, status, lifecycle times) change seldom.
 *
 * The span is rounded out (seen_from down, seen_until up, to the minute), so a span row changes
 * at most about once a minute however often its incident grows, and its own indexes do not fill
 * with dead entries either. Lookups use it as a coarse, indexed filter and check the exact
 * first_seen_at and last_seen_at on the incident rows they join.
 *
 * Triggers, not the writers, keep the spans: every writer of incidents stays right without
 * knowing of them, like the timeline's hash chain.
 */
export class IncidentSpans1764810000000 implements MigrationInterface {
  name = 'IncidentSpans1764810000000';

  async up(q: QueryRunner): Promise<void> {
    // Whole minutes of the epoch, whatever the session's time zone.
    await q.query(`
      CREATE FUNCTION incident_span_from(t timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT to_timestamp(floor(extract(epoch FROM t) / 60) * 60) $$`);
    await q.query(`
      CREATE FUNCTION incident_span_until(t timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT to_timestamp((floor(extract(epoch FROM t) / 60) + 1) * 60) $$`);
    await q.query(`
      CREATE TABLE incident_spans (
        incident_id  uuid PRIMARY KEY REFERENCES incidents (id),
        site_id      text NOT NULL,
        group_key    text NOT NULL,
        -- At or before the incident's first_seen_at, and after its last_seen_at, to the minute.
        seen_from    timestamptz NOT NULL,
        seen_until   timestamptz NOT NULL
      )`);
    await q.query(`
      INSERT INTO incident_spans (incident_id, site_id, group_key, seen_from, seen_until)
      SELECT id, site_id, group_key, incident_span_from(first_seen_at), incident_span_until(last_seen_at) FROM incidents`);
    // Folding and the correlator: a site's incidents seen lately, whatever their group (a kind's
    // group and its drone tracks are matched by prefix, which no index range could serve).
    await q.query('CREATE INDEX incident_spans_site_recent ON incident_spans (site_id, seen_until)');
    // REST: incidents still active after `from` (the list's and export's window filter).
    await q.query('CREATE INDEX incident_spans_window ON incident_spans (seen_until, seen_from)');

    await q.query(`
      CREATE FUNCTION incident_spans_inserted() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO incident_spans (incident_id, site_id, group_key, seen_from, seen_until)
        VALUES (NEW.id, NEW.site_id, NEW.group_key, incident_span_from(NEW.first_seen_at), incident_span_until(NEW.last_seen_at));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER incident_spans_inserted AFTER INSERT ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_spans_inserted()`);
    // Row by row, and only when a rounded bound moves (the WHEN clause, checked without calling
    // the function): the usual fold, within the same minute, costs nothing here.
    await q.query(`
      CREATE FUNCTION incident_spans_updated() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE incident_spans
           SET site_id = NEW.site_id, group_key = NEW.group_key,
               seen_from = incident_span_from(NEW.first_seen_at), seen_until = incident_span_until(NEW.last_seen_at)
         WHERE incident_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER incident_spans_updated AFTER UPDATE OF site_id, group_key, first_seen_at, last_seen_at ON incidents
        FOR EACH ROW
        WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.group_key IS DISTINCT FROM NEW.group_key
              OR incident_span_from(OLD.first_seen_at) IS DISTINCT FROM incident_span_from(NEW.first_seen_at)
              OR incident_span_until(OLD.last_seen_at) IS DISTINCT FROM incident_span_until(NEW.last_seen_at))
        EXECUTE FUNCTION incident_spans_updated()`);

    await q.query('DROP INDEX incidents_active_group');
    await q.query('DROP INDEX incidents_window');
    // A group's unresolved incident by its key alone (a sensor's health incident): nothing in it
    // changes when an incident grows.
    await q.query(
      `CREATE INDEX incidents_unresolved_group ON incidents (site_id, group_key) WHERE status <> 'resolved'`,
    );
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
    await q.query('DROP FUNCTION incident_span_until(timestamptz)');
    await q.query('DROP FUNCTION incident_span_from(timestamptz)');
  }
}
