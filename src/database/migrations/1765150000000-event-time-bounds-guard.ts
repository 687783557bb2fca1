import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_GROUP_ROLE } from './1764910000000-runtime-role';
import { grantRuntimeFunction } from './1765000000000-time-partitions';
import { INCIDENT_RUNTIME_REVOKES } from './1765120000000-incident-retention';
import { MATERIAL_TABLES } from './1765140000000-material-append-only-privileges';

/**
 * `event_time_bounds` (1765110000000) decides which partitions a query by event time reads: a
 * bound lowered, or its row gone, would hide stored events from `GET /events`. So:
 * - a trigger refuses any UPDATE that narrows a bound (they only ever widen);
 * - the runtime role may read the row and widen the two bounds, nothing else: no INSERT, no
 *   DELETE or TRUNCATE, no change of `bounded_since` (which only the owner may move, as the
 *   bench's history loader does for the history it writes).
 * oreguard_grant_runtime() learns this and is run again, keeping what 1765120000000 and
 * 1765140000000 revoke.
 */
export class EventTimeBoundsGuard1765150000000 implements MigrationInterface {
  name = 'EventTimeBoundsGuard1765150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION event_time_bounds_only_widen() RETURNS trigger
      LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.max_future_ms < OLD.max_future_ms OR NEW.max_lateness_ms < OLD.max_lateness_ms THEN
          RAISE EXCEPTION 'event_time_bounds only widen: a narrower bound would hide stored events'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $fn$`);
    await q.query(
      'CREATE TRIGGER event_time_bounds_only_widen BEFORE UPDATE ON event_time_bounds FOR EACH ROW EXECUTE FUNCTION event_time_bounds_only_widen()',
    );
    await q.query(grantRuntimeFunction(true, MATERIAL_TABLES, INCIDENT_RUNTIME_REVOKES + EVENT_TIME_BOUNDS_REVOKES));
    await q.query('SELECT oreguard_grant_runtime()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER event_time_bounds_only_widen ON event_time_bounds');
    await q.query('DROP FUNCTION event_time_bounds_only_widen()');
    // The function as 1765140000000 left it.
    await q.query(grantRuntimeFunction(true, MATERIAL_TABLES, INCIDENT_RUNTIME_REVOKES));
    await q.query('SELECT oreguard_grant_runtime()');
  }
}

/** Read the bounds and widen the two of them: what recordEventTimeBounds needs, and no more. */
const EVENT_TIME_BOUNDS_REVOKES = `
      REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON event_time_bounds FROM ${RUNTIME_GROUP_ROLE};
      GRANT UPDATE (max_future_ms, max_lateness_ms) ON event_time_bounds TO ${RUNTIME_GROUP_ROLE};`;
