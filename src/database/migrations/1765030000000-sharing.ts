import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indicator sharing (issue 20.3): partner accounts with their allow-list projection, and the
 * STIX objects shared so far, one row per object version. `date_added` is when partners could
 * first see the version: set under one lock, strictly increasing, so a TAXII client paging with
 * `added_after` neither drops nor repeats an object; NULL while it waits for a lead's release.
 */
export class Sharing1765030000000 implements MigrationInterface {
  name = 'Sharing1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        id           uuid PRIMARY KEY,
        name         text NOT NULL UNIQUE,
        projection   jsonb NOT NULL,
        secret_hash  text NOT NULL,
        disabled     boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL,
        created_by   text NOT NULL,
        updated_at   timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE shared_objects (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stix_id      text NOT NULL,
        version      text,
        type         text NOT NULL,
        tlp          text NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
        object       jsonb NOT NULL,
        incident_id  uuid REFERENCES incidents (id),
        created_at   timestamptz NOT NULL,
        date_added   timestamptz,
        released_at  timestamptz,
        released_by  text,
        UNIQUE (stix_id, version)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX shared_objects_date_added ON shared_objects (date_added) WHERE date_added IS NOT NULL`,
    );
    await q.query(`CREATE INDEX shared_objects_held ON shared_objects (incident_id) WHERE date_added IS NULL`);
    await q.query(`CREATE INDEX shared_objects_stix_id ON shared_objects (stix_id, seq)`);
    // How far publishing has read the incidents (one row).
    await q.query(
      `CREATE TABLE sharing_cursor (id boolean PRIMARY KEY DEFAULT true CHECK (id), incidents_updated_at timestamptz NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sharing_cursor');
    await q.query('DROP TABLE shared_objects');
    await q.query('DROP TABLE partners');
  }
}
