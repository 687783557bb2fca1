import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_GROUP_ROLE } from './1764910000000-runtime-role';

/**
 * The only way old rows leave (issue 19.2): `oreguard_drop_partition(table, partition, rows)`
 * detaches and drops one whole partition of a partitioned table, and only when
 * - it is a time partition of that table (never the default one),
 * - the audit log records its archive (`retention.archived`, target the partition) with
 *   exactly the rows it holds now (nothing arrived after the archive was written),
 * Events of an incident (incident_events) are first copied, unchanged, into `events_kept`
 * (kept = true), where every query on `events` still finds them: kept incidents stay whole.
 * Incident links are locked meanwhile, so no event is bound to an incident while its partition
 * goes. The other events' keys (event_keys) go with them. Returns how many events were kept.
 * SECURITY DEFINER: the runtime role owns nothing and may only call it; every other DELETE
 * stays refused by the append-only triggers.
 */
export class PartitionRetention1765000100000 implements MigrationInterface {
  name = 'PartitionRetention1765000100000';

  async up(q: QueryRunner): Promise<void> {
    // Per table, the end of the newest partition dropped: a cursor before it points at rows gone (410).
    await q.query(`
      CREATE TABLE retention_horizons (
        table_name text PRIMARY KEY,
        kept_from  timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION oreguard_drop_partition(p_table text, p_partition text, p_rows bigint)
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
          -- The same events again (their keys are known): events_once would take them for resends.
          ALTER TABLE events_kept DISABLE TRIGGER events_once;
          EXECUTE format('INSERT INTO events_kept (%s, kept) SELECT %s, true FROM %I e
                           WHERE EXISTS (SELECT 1 FROM incident_events ie WHERE ie.event_id = e.id)',
                         columns, columns, p_partition);
          GET DIAGNOSTICS moved = ROW_COUNT;
          ALTER TABLE events_kept ENABLE TRIGGER events_once;
          -- The other events' keys go with them: event_keys is kept exactly as long as the events.
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
      END $fn$`);
    await q.query('REVOKE ALL ON FUNCTION oreguard_drop_partition(text, text, bigint) FROM PUBLIC');
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          GRANT EXECUTE ON FUNCTION oreguard_drop_partition(text, text, bigint) TO ${RUNTIME_GROUP_ROLE};
          GRANT SELECT ON retention_horizons TO ${RUNTIME_GROUP_ROLE};
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION oreguard_drop_partition(text, text, bigint)');
    await q.query('DROP TABLE retention_horizons');
  }
}
