import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A user's tokens carry the version they were issued under; bumping it revokes them all. */
export class UserTokenVersion1764500000000 implements MigrationInterface {
  name = 'UserTokenVersion1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN updated_at');
    await q.query('ALTER TABLE users DROP COLUMN token_version');
  }
}
