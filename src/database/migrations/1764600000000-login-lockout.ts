import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A run of failed logins locks the account for a while. */
export class LoginLockout1764600000000 implements MigrationInterface {
  name = 'LoginLockout1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE users ADD COLUMN locked_until timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN locked_until');
    await q.query('ALTER TABLE users DROP COLUMN failed_logins');
  }
}
