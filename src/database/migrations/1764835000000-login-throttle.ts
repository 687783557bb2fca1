import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed logins slow the guesser down instead of locking the account: counted per username
 * and client address, and per username from every address (address '*'),
 * for names that exist or not alike, so the throttle tells nothing about which accounts exist.
 * The per-user lockout columns go: anyone could lock anyone out with them.
 */
export class LoginThrottle1764835000000 implements MigrationInterface {
  name = 'LoginThrottle1764835000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE login_throttles (
        username         text NOT NULL,
        address          text NOT NULL,
        failures         integer NOT NULL DEFAULT 0,
        last_failure_at  timestamptz,
        blocked_until    timestamptz,
        succeeded_at     timestamptz,
        PRIMARY KEY (username, address)
      )`);
    await q.query('CREATE INDEX login_throttles_by_last_failure ON login_throttles (last_failure_at)');
    await q.query('ALTER TABLE users DROP COLUMN locked_until');
    await q.query('ALTER TABLE users DROP COLUMN failed_logins');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE users ADD COLUMN locked_until timestamptz');
    await q.query('DROP TABLE login_throttles');
  }
}
