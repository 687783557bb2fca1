import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events are stored once without a trigger per row (issue 19). Since 1765000000000 the
 * `events_once` BEFORE INSERT trigger wrote each event's key into `event_keys` and skipped the
 * event when the key was there: a PL/pgSQL call and an INSERT per row, some 20 µs an event on
 * the ingest's hot path. Now every writer of events claims the keys of its rows in the same
 * statement, set-based (`INSERT INTO event_keys … ON CONFLICT DO NOTHING RETURNING`), and
 * inserts only the rows whose key it got (`src/database/events-once.ts`): the ingest, the
 * material findings, the health alerts, the bench's history loader.
 *
 * The trigger goes rather than stays as a guard: a row trigger fires for every row whatever the
 * writer did, so it would cost the same; a statement-level guard (AFTER INSERT with a transition
 * table, writing the keys a writer left out) measured dearer still at the ingest's batches of
 * 50–90 events. What keeps an event once is `event_keys`' primary key, which every writer goes
 * through; the runtime role still may only read and add keys (1765000000000's grants, unchanged).
 *
 * oreguard_drop_partition copied kept events into `events_kept` with the trigger disabled
 * around it; it is made again without that step (the copy keeps the events' ids, so their
 * keys stay right).
 */
export class EventKeysClaimed1765100000000 implements MigrationInterface {
  name = 'EventKeysClaimed1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(dropPartitionFunction(false));
    await q.query('DROP TRIGGER events_once ON events');
    await q.query('DROP FUNCTION events_once()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(EVENTS_ONCE_FUNCTION);
    await q.query('CREATE TRIGGER events_once BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_once()');
    await q.query(dropPartitionFunction(true));
  }
}

/** As 1765000000000 made it. */
const EVENTS_ONCE_FUNCTION = `
  CREATE FUNCTION events_once() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO event_keys (site_id, gateway_id, event_id, id, received_at)
    VALUES (NEW.site_id, NEW.gateway_id, NEW.event_id, NEW.id, NEW.received_at)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN RETURN NULL; END IF;
    RETURN NEW;
  END $fn$`;

const DISABLE_ONCE = `          -- The same events again (their keys are known): events_once would take them for resends.
          ALTER TABLE events_kept DISABLE TRIGGER events_once;
`;
const ENABLE_ONCE = `          ALTER TABLE events_kept ENABLE TRIGGER events_once;
`;

/** oreguard_drop_partition as 1765000100000 made it, with (`onceTrigger`) or without the events_once step. */
function dropPartitionFunction(onceTrigger: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION oreguard_drop_partition(p_table text, p_partition text, p_rows bigint)
      RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        held bigint;
        moved bigint := 0;
        columns text;
        dropped_until timestamptz;
      BEGIN
        IF p_table NOT IN ('events', 'live_messages', 'rejected_events', 'sensor_health_changes') THEN
          RAISE EXCEPTION 'not a partitioned table: %', p_table;
        END IF;
        SELECT b.hi INTO dropped_until FROM oreguard_partition_bounds(p_table) b WHERE b.name = p_partition;
        IF dropped_until IS NULL THEN
          RAISE EXCEPTION '% is not a time partition of %', p_partition, p_table;
        END IF;
        EXECUTE format('LOCK TABLE %I IN SHARE MODE', p_partition);
        EXECUTE format('SELECT count(*) FROM %I', p_partition) INTO held;
        IF held <> p_rows THEN
          RAISE EXCEPTION '% holds % rows, not the % archived', p_partition, held, p_rows;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM audit_log WHERE action = 'retention.archived' AND target = p_partition
                                                 AND (details->>'rows')::bigint = p_rows) THEN
          RAISE EXCEPTION 'no archive of % is recorded in the audit log', p_partition;
        END IF;
        IF p_table = 'events' THEN
          LOCK TABLE incident_events IN SHARE MODE;
          SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
            FROM pg_attribute WHERE attrelid = 'events_kept'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'kept';
${onceTrigger ? DISABLE_ONCE : ''}          EXECUTE format('INSERT INTO events_kept (%s, kept) SELECT %s, true FROM %I e
                           WHERE EXISTS (SELECT 1 FROM incident_events ie WHERE ie.event_id = e.id)',
                         columns, columns, p_partition);
          GET DIAGNOSTICS moved = ROW_COUNT;
${onceTrigger ? ENABLE_ONCE : ''}          -- The other events' keys go with them: event_keys is kept exactly as long as the events.
          EXECUTE format('DELETE FROM event_keys k USING %I e
                           WHERE k.site_id = e.site_id AND k.gateway_id = e.gateway_id AND k.event_id = e.event_id AND k.id = e.id
                             AND NOT EXISTS (SELECT 1 FROM incident_events ie WHERE ie.event_id = e.id)',
                         p_partition);
        END IF;
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', oreguard_range_parent(p_table), p_partition);
        EXECUTE format('DROP TABLE %I', p_partition);
        -- Everything before the end of the newest partition dropped may have gaps.
        INSERT INTO retention_horizons (table_name, kept_from) VALUES (p_table, dropped_until)
        ON CONFLICT (table_name) DO UPDATE SET kept_from = GREATEST(retention_horizons.kept_from, EXCLUDED.kept_from);
        RETURN moved;
      END $fn$`;
}
