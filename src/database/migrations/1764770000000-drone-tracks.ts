import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One drone, one incident: a drone incident keeps its track (identities, last position, Remote
 * ID cover and marks) beside it, so the next fold can continue it. The positions themselves are
 * in the incident's timeline ("track" entries), which is append-only.
 */
export class DroneTracks1764770000000 implements MigrationInterface {
  name = 'DroneTracks1764770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incidents ADD COLUMN track jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incidents DROP COLUMN track');
  }
}
