import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishing shared objects moves from partner reads to the worker (sharing-publisher.service.ts):
 * - shared_incidents: per incident, the `updated_at` its objects were last published for, so a
 *   run reads again only incidents changed since (the scan still looks back a margin behind the
 *   cursor for folds that committed late, without recomputing what did not change);
 * - an index on incidents (updated_at, id), the order the publisher pages in.
 * Both are new or on incidents (not events); down() drops them.
 */
export class SharedIncidents1765140100000 implements MigrationInterface {
  name = 'SharedIncidents1765140100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE shared_incidents (incident_id uuid PRIMARY KEY, updated_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX incidents_updated ON incidents (updated_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX incidents_updated');
    await q.query('DROP TABLE shared_incidents');
  }
}
