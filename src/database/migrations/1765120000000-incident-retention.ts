import { escapeLiteral } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_GROUP_ROLE } from './1764910000000-runtime-role';
import { grantRuntimeFunction } from './1765000000000-time-partitions';

/**
 * Resolved incidents leave (issue 19.2): an incident, its event links, its timeline, its span
 * and the kept events that belong to it alone leave when it is resolved, under no legal hold,
 * and resolved longer ago than RETENTION_RESOLVED_INCIDENTS_DAYS; only by OreGuard's retention
 * job, in two steps, each a SECURITY DEFINER function the runtime role may only call:
 *
 * 1. `oreguard_retire_incidents(resolved_before, limit)` locks up to `limit` such incidents
 *    (FOR UPDATE SKIP LOCKED: one being reopened, noted or held right now waits for the next
 *    run; a hold cannot be set meanwhile, the holds table is locked) and moves them, with
 *    everything of theirs, into a batch of tables of their own, `retiring_<batch>_<table>`,
 *    readable by the runtime role, writable by nobody. Events linked to another incident too
 *    stay. The incidents leave a tombstone in `retired_incidents` (what tells "retired" from
 *    "never existed": 410 `incident.gone`). Incident links are locked in SHARE mode while the
 *    batch is chosen, as oreguard_drop_partition does, so no event is bound meanwhile.
 * 2. The job archives each batch table (NDJSON, gzip, manifest, as for time partitions) and
 *    audits it (`retention.archived`, target the batch table); then
 *    `oreguard_drop_retired_batch(batch)` drops the batch's tables whole, refusing unless the
 *    audit log records an archive of each with exactly the rows it holds.
 * A batch left by a crash between the steps waits, whole, for the next run.
 *
 * The append-only guard (audit_refuse_change) lets a row of incidents, incident_events,
 * incident_timeline or events_kept be deleted only inside step 1: with its `oreguard.retiring`
 * setting on and as the function's owner. Every other DELETE stays refused, of incidents too
 * (refused now by a trigger, and revoked from the runtime role). No table of events is scanned
 * or rewritten: only events_kept rows are looked up, by id.
 *
 * Why not partitions by retention bucket: an incident's rows would move between partitions on
 * every resolution, reopening and hold all the same (same rows written), and every writer of a
 * timeline entry or link would have to know its incident's bucket. Here rows move once, when
 * they are due, out of sight of every writer, and leave whole.
 *
 * shared_objects (what partners were sent) keeps its incident ids; its foreign key goes (a
 * retired incident's id answers 410). down() puts it back NOT VALID.
 */
export class IncidentRetention1765120000000 implements MigrationInterface {
  name = 'IncidentRetention1765120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE retirement_batches (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        resolved_before timestamptz NOT NULL,
        incidents       integer NOT NULL,
        tables          text[] NOT NULL DEFAULT '{}',
        made_at         timestamptz NOT NULL,
        dropped_at      timestamptz
      )`);
    await q.query(`
      CREATE TABLE retired_incidents (
        id          uuid PRIMARY KEY,
        site_id     text NOT NULL,
        resolved_at timestamptz NOT NULL,
        batch       bigint NOT NULL REFERENCES retirement_batches (id),
        retired_at  timestamptz NOT NULL
      )`);
    await q.query('ALTER TABLE shared_objects DROP CONSTRAINT shared_objects_incident_id_fkey');
    await q.query(RETIRE_FUNCTION);
    await q.query(DROP_BATCH_FUNCTION);
    // The owner of oreguard_retire_incidents (the role migrating), written into the guard: a
    // catalog look-up for every row deleted would double the time incident links stay locked.
    const [{ owner }] = await q.query('SELECT current_user AS owner');
    await q.query(refuseChangeFunction(owner));
    await q.query(
      'CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()',
    );
    await q.query(
      'CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()',
    );
    for (const fn of ['oreguard_retire_incidents(timestamptz, integer)', 'oreguard_drop_retired_batch(bigint)'])
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    await q.query(grantRuntimeFunction(true, [], INCIDENT_RUNTIME_REVOKES));
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          GRANT EXECUTE ON FUNCTION oreguard_retire_incidents(timestamptz, integer) TO ${RUNTIME_GROUP_ROLE};
          GRANT EXECUTE ON FUNCTION oreguard_drop_retired_batch(bigint) TO ${RUNTIME_GROUP_ROLE};
        END IF;
      END $$`);
    await q.query('SELECT oreguard_grant_runtime()');
  }

  async down(q: QueryRunner): Promise<void> {
    const [waiting] = await q.query(`SELECT count(*)::int AS n FROM retirement_batches WHERE dropped_at IS NULL`);
    if (waiting.n > 0)
      throw new Error(`${waiting.n} retirement batch(es) wait for their archive: run the retention job first`);
    await q.query('DROP TRIGGER incidents_no_truncate ON incidents');
    await q.query('DROP TRIGGER incidents_no_delete ON incidents');
    await q.query(refuseChangeFunction(null));
    await q.query('DROP FUNCTION oreguard_drop_retired_batch(bigint)');
    await q.query('DROP FUNCTION oreguard_retire_incidents(timestamptz, integer)');
    await q.query(
      'ALTER TABLE shared_objects ADD CONSTRAINT shared_objects_incident_id_fkey FOREIGN KEY (incident_id) REFERENCES incidents (id) NOT VALID',
    );
    await q.query('DROP TABLE retired_incidents');
    await q.query('DROP TABLE retirement_batches');
    await q.query(grantRuntimeFunction(true));
    await q.query('SELECT oreguard_grant_runtime()');
  }
}

/** What oreguard_grant_runtime() revokes besides: incidents are never deleted, the retention records only read. */
export const INCIDENT_RUNTIME_REVOKES = `
      REVOKE DELETE, TRUNCATE ON incidents FROM ${RUNTIME_GROUP_ROLE};
      IF to_regclass('retired_incidents') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON retired_incidents, retirement_batches FROM ${RUNTIME_GROUP_ROLE};
        FOR part IN SELECT unnest(tables) FROM retirement_batches WHERE dropped_at IS NULL LOOP
          EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM ${RUNTIME_GROUP_ROLE}', part);
        END LOOP;
      END IF;`;

/**
 * The batch tables, in the order they are filled (dependants before their incident), each with
 * its key (the archive pages by it).
 */
const BATCH_TABLES: [table: string, source: string, key: string][] = [
  ['incident_timeline', 'incident_timeline', 'id'],
  ['incident_events', 'incident_events', 'incident_id, event_id'],
  ['incident_spans', 'incident_spans', 'incident_id'],
  ['events', 'events_kept', 'id'],
  ['incidents', 'incidents', 'id'],
];

const RETIRE_FUNCTION = `
  CREATE FUNCTION oreguard_retire_incidents(p_resolved_before timestamptz, p_limit integer)
  RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET oreguard.retiring = 'on' AS $fn$
  DECLARE
    ids uuid[];
    event_ids bigint[];
    batch bigint;
    made text[] := '{}';
    t record;
    part text;
  BEGIN
    IF p_resolved_before IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
      RAISE EXCEPTION 'a resolution bound and a positive batch size are required';
    END IF;
    IF p_resolved_before > now() THEN
      RAISE EXCEPTION 'incidents resolved after now (%) may not leave', p_resolved_before;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('oreguard_retire_incidents'));
    -- No hold is set while the batch is chosen and moved; one set after finds its incident gone.
    LOCK TABLE incident_legal_holds IN SHARE MODE;
    -- No event is bound to an incident meanwhile (as oreguard_drop_partition).
    LOCK TABLE incident_events IN SHARE MODE;
    SELECT array_agg(c.id) INTO ids FROM (
      SELECT i.id FROM incidents i
       WHERE i.status = 'resolved' AND i.resolved_at < p_resolved_before
         AND NOT EXISTS (SELECT 1 FROM incident_legal_holds h WHERE h.incident_id = i.id)
       ORDER BY i.resolved_at, i.id
       LIMIT p_limit
         FOR UPDATE OF i SKIP LOCKED) c;
    IF ids IS NULL THEN RETURN NULL; END IF;
    -- Kept events of these incidents and of no other: they leave with them.
    SELECT array_agg(DISTINCT l.event_id) INTO event_ids FROM incident_events l
     WHERE l.incident_id = ANY(ids)
       AND NOT EXISTS (SELECT 1 FROM incident_events o WHERE o.event_id = l.event_id AND o.incident_id <> ALL(ids));
    INSERT INTO retirement_batches (resolved_before, incidents, made_at)
    VALUES (p_resolved_before, cardinality(ids), now()) RETURNING id INTO batch;
    FOR t IN SELECT * FROM jsonb_to_recordset('${JSON.stringify(BATCH_TABLES.map(([table, source, key]) => ({ table, source, key })))}')
                        AS x("table" text, source text, key text) LOOP
      part := 'retiring_' || batch || '_' || t.table;
      EXECUTE format('CREATE TABLE %I (LIKE %I)', part, t.source);
      IF t.source = 'events_kept' THEN
        EXECUTE format('WITH gone AS (DELETE FROM events_kept WHERE id = ANY($1) RETURNING *) INSERT INTO %I SELECT * FROM gone', part)
          USING COALESCE(event_ids, '{}');
      ELSE
        EXECUTE format('WITH gone AS (DELETE FROM %I WHERE %I = ANY($1) RETURNING *) INSERT INTO %I SELECT * FROM gone',
                       t.source, CASE WHEN t.source = 'incidents' THEN 'id' ELSE 'incident_id' END, part)
          USING ids;
      END IF;
      EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%s)', part, t.key);
      -- Default privileges would let the runtime role write it: read only, until it is archived and dropped.
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
        EXECUTE format('REVOKE ALL ON %I FROM ${RUNTIME_GROUP_ROLE}', part);
        EXECUTE format('GRANT SELECT ON %I TO ${RUNTIME_GROUP_ROLE}', part);
      END IF;
      made := made || part;
    END LOOP;
    -- The events' keys go with them, as oreguard_drop_partition's do (found by their primary key).
    EXECUTE format('DELETE FROM event_keys k USING %I e
                     WHERE k.site_id = e.site_id AND k.gateway_id = e.gateway_id AND k.event_id = e.event_id AND k.id = e.id',
                   'retiring_' || batch || '_events');
    EXECUTE format('INSERT INTO retired_incidents (id, site_id, resolved_at, batch, retired_at)
                    SELECT id, site_id, resolved_at, $1, now() FROM %I', 'retiring_' || batch || '_incidents') USING batch;
    UPDATE retirement_batches SET tables = made WHERE id = batch;
    RETURN batch;
  END $fn$`;

const DROP_BATCH_FUNCTION = `
  CREATE FUNCTION oreguard_drop_retired_batch(p_batch bigint)
  RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
  DECLARE
    parts text[];
    part text;
    held bigint;
  BEGIN
    SELECT b.tables INTO parts FROM retirement_batches b WHERE b.id = p_batch AND b.dropped_at IS NULL FOR UPDATE;
    IF parts IS NULL THEN RAISE EXCEPTION 'no retirement batch % waits to be dropped', p_batch; END IF;
    FOREACH part IN ARRAY parts LOOP
      EXECUTE format('LOCK TABLE %I IN SHARE MODE', part);
      EXECUTE format('SELECT count(*) FROM %I', part) INTO held;
      IF NOT EXISTS (SELECT 1 FROM audit_log WHERE action = 'retention.archived' AND target = part
                                               AND (details->>'rows')::bigint = held) THEN
        RAISE EXCEPTION 'no archive of % with its % rows is recorded in the audit log', part, held;
      END IF;
    END LOOP;
    FOREACH part IN ARRAY parts LOOP
      EXECUTE format('DROP TABLE %I', part);
    END LOOP;
    UPDATE retirement_batches SET dropped_at = now() WHERE id = p_batch;
    RETURN cardinality(parts);
  END $fn$`;

/**
 * The append-only guard (1764700000000), and (with the `retiringAs` role) its one way through:
 * a row of an incident's tables deleted by oreguard_retire_incidents, which runs as that role,
 * its owner, with its setting on. Should the function change owner, the way closes (refused).
 */
function refuseChangeFunction(retiringAs: string | null): string {
  return `
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      ${
        retiringAs !== null
          ? `IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
         AND TG_TABLE_NAME IN ('incidents', 'incident_events', 'incident_timeline', 'events_kept')
         AND current_setting('oreguard.retiring', true) = 'on'
         AND current_user = ${escapeLiteral(retiringAs)} THEN
        RETURN OLD;
      END IF;`
          : ''
      }
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`;
}
