import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The GIN indexes of incidents (REST search by zone, rule and title words; the last only where pg_trgm is). */
const INCIDENT_GIN_INDEXES = ['incidents_zones', 'incidents_rule_ids', 'incidents_title_trgm'];

/**
 * Every fold rewrites the incidents it grows (last_seen_at is indexed, so the update is never
 * HOT), and each new row version enters every index, the GIN ones too. GIN gathers new entries
 * in a pending list and merges it into the index when it passes gin_pending_list_limit
 * (4 MB by default), inside whichever statement crosses it: with the incidents' title
 * trigrams that merge made one fold statement take 30 to 60 ms instead of 2, every few seconds
 * at 1,000 events/s, and held up the ingest batch that ran it. A 64 kB list (the least
 * allowed) is merged 64 times as often, each merge that much smaller: no fold pays for
 * thousands of others.
 */
export class GinPendingLists1764800000000 implements MigrationInterface {
  name = 'GinPendingLists1764800000000';

  async up(q: QueryRunner): Promise<void> {
    for (const index of INCIDENT_GIN_INDEXES)
      await q.query(`ALTER INDEX IF EXISTS ${index} SET (gin_pending_list_limit = 64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of INCIDENT_GIN_INDEXES)
      await q.query(`ALTER INDEX IF EXISTS ${index} RESET (gin_pending_list_limit)`);
  }
}
