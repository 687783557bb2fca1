import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One session per login. Its refresh tokens are kept only as SHA-256 hashes; each is used
 * once, and a used one presented again revokes its session (it was copied). Access tokens
 * name their session, so revoking it ends them too.
 */
export class Sessions1764720000000 implements MigrationInterface {
  name = 'Sessions1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        id              uuid PRIMARY KEY,
        user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at      timestamptz NOT NULL DEFAULT now(),
        expires_at      timestamptz NOT NULL,
        revoked_at      timestamptz,
        revoked_reason  text
      )`);
    await q.query('CREATE INDEX sessions_active_by_user ON sessions (user_id) WHERE revoked_at IS NULL');
    await q.query(`
      CREATE TABLE refresh_tokens (
        token_hash  text PRIMARY KEY,
        session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        issued_at   timestamptz NOT NULL DEFAULT now(),
        used_at     timestamptz
      )`);
    await q.query('CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refresh_tokens');
    await q.query('DROP TABLE sessions');
  }
}
