import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The role OreGuard's runtime login is made a member of (src/database/runtime-role.ts). */
export const RUNTIME_GROUP_ROLE = 'oreguard_runtime';

/**
 * Least privilege (issue 16.8): OreGuard may run as a login that owns nothing, so it cannot
 * switch the append-only triggers off (`ALTER TABLE … DISABLE TRIGGER` needs the owner,
 * `SET session_replication_role` a superuser) nor rewrite history through its privileges:
 * - the group role `oreguard_runtime` (NOLOGIN, created here if missing; roles are cluster-wide,
 *   so it serves every OreGuard database of a cluster) gets what the code needs: SELECT, INSERT,
 *   UPDATE, DELETE on the working tables, sequences, USAGE on the schema;
 * - the history gets SELECT and INSERT only: incident_timeline, audit_log, incident_events,
 *   chain_checkpoints; events may have only folded_at and fold_error updated (the fold's
 *   marks), evidence_keys only retired_at; schema_migrations is read-only;
 * - `oreguard_grant_runtime()` applies all that to every table there is, so the migrate step
 *   calls it again after each run: a later migration's tables are covered whichever role made
 *   them (default privileges cover the tables made by the role that runs this one).
 * A migrating role that may not create roles (no CREATEROLE) skips the role: the grants then
 * wait for a role that may. Down drops the function and the grants, not the role (other
 * databases may use it).
 */
export class RuntimeRole1764910000000 implements MigrationInterface {
  name = 'RuntimeRole1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          BEGIN
            CREATE ROLE ${RUNTIME_GROUP_ROLE} NOLOGIN;
          EXCEPTION
            -- Another database's migration created it meanwhile, or this role may not create roles.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role ${RUNTIME_GROUP_ROLE}: %', SQLERRM;
          END;
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION oreguard_grant_runtime() RETURNS boolean
      LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          RETURN false;
        END IF;
        GRANT USAGE ON SCHEMA public TO ${RUNTIME_GROUP_ROLE};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${RUNTIME_GROUP_ROLE};
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${RUNTIME_GROUP_ROLE};
        REVOKE UPDATE, DELETE, TRUNCATE ON incident_timeline, audit_log, incident_events, chain_checkpoints,
          events, evidence_keys FROM ${RUNTIME_GROUP_ROLE};
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM ${RUNTIME_GROUP_ROLE};
        GRANT UPDATE (folded_at, fold_error) ON events TO ${RUNTIME_GROUP_ROLE};
        GRANT UPDATE (retired_at) ON evidence_keys TO ${RUNTIME_GROUP_ROLE};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${RUNTIME_GROUP_ROLE};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${RUNTIME_GROUP_ROLE};
        RETURN true;
      END $$`);
    await q.query('SELECT oreguard_grant_runtime()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${RUNTIME_GROUP_ROLE};
          ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${RUNTIME_GROUP_ROLE};
          REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${RUNTIME_GROUP_ROLE};
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${RUNTIME_GROUP_ROLE};
          REVOKE ALL ON SCHEMA public FROM ${RUNTIME_GROUP_ROLE};
        END IF;
      END $$`);
    await q.query('DROP FUNCTION oreguard_grant_runtime()');
  }
}
