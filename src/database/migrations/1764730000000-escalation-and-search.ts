import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Escalation of unacknowledged incidents, and the indexes of the incident history search.
 *
 * - reopened_at, escalated_at: with opened_at, when an incident's wait for an acknowledgement
 *   began (the latest of the three). incidents_awaiting_ack holds only open incidents, keyed by
 *   severity and that time, so the periodic escalation check reads the few that are due.
 * - GIN on zones and rule_ids: the history filters `zone` and `ruleId` (array containment).
 * - acknowledged_at, resolved_at: the lifecycle time filters (opened_at is indexed already).
 * - title trigrams for `q` (ILIKE '%…%'), only where pg_trgm is installable by this role:
 *   it is a trusted extension (PostgreSQL 13+), so a database owner may create it, but a
 *   server without the contrib package lacks it. Without it `q` still works, by scanning.
 */
export class EscalationAndSearch1764730000000 implements MigrationInterface {
  name = 'EscalationAndSearch1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incidents ADD COLUMN reopened_at timestamptz, ADD COLUMN escalated_at timestamptz');
    await q.query(
      `CREATE INDEX incidents_awaiting_ack ON incidents (severity, (GREATEST(opened_at, reopened_at, escalated_at)))
        WHERE status = 'open'`,
    );
    await q.query('CREATE INDEX incidents_zones ON incidents USING gin (zones)');
    await q.query('CREATE INDEX incidents_rule_ids ON incidents USING gin (rule_ids)');
    await q.query(
      'CREATE INDEX incidents_acknowledged ON incidents (acknowledged_at) WHERE acknowledged_at IS NOT NULL',
    );
    await q.query('CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE resolved_at IS NOT NULL');

    const [trgm] = (await q.query(
      `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                OR has_database_privilege(current_database(), 'CREATE') AS allowed`,
    )) as { available: boolean; allowed: boolean }[];
    if (trgm.available && trgm.allowed) {
      await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await q.query('CREATE INDEX incidents_title_trgm ON incidents USING gin (title gin_trgm_ops)');
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // The pg_trgm extension stays: other schemas of the database may use it.
    await q.query('DROP INDEX IF EXISTS incidents_title_trgm');
    for (const index of [
      'incidents_resolved',
      'incidents_acknowledged',
      'incidents_rule_ids',
      'incidents_zones',
      'incidents_awaiting_ack',
    ]) {
      await q.query(`DROP INDEX ${index}`);
    }
    await q.query('ALTER TABLE incidents DROP COLUMN escalated_at, DROP COLUMN reopened_at');
  }
}
