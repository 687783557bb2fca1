import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Legal holds (issue 19.2): a lead keeps an incident, its events and its timeline out of
 * retention whatever its age, with a reason. One row per held incident; lifting it removes
 * the row. Who set and lifted each hold, and why, is in the audit log.
 */
export class LegalHolds1765000200000 implements MigrationInterface {
  name = 'LegalHolds1765000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incident_legal_holds (
        incident_id uuid PRIMARY KEY REFERENCES incidents (id),
        site_id     text NOT NULL REFERENCES sites (id),
        reason      text NOT NULL,
        set_by      text NOT NULL,
        set_at      timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE incident_legal_holds');
  }
}
