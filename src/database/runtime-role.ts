import { escapeIdentifier, escapeLiteral, type Client } from 'pg';
import { RUNTIME_GROUP_ROLE } from './migrations/1764910000000-runtime-role';

/** The role name and password a PostgreSQL URL logs in with (either may be empty). */
export function loginOf(url: string): { user: string; password: string } {
  const parsed = new URL(url);
  return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/**
 * Sets up the login OreGuard runs as (DATABASE_URL's user) when the migrating role
 * (DATABASE_MIGRATION_URL's) is another: the login is created with the URL's password if missing
 * (its password set from the URL if it exists), made a member of `oreguard_runtime`, and handed
 * nothing of its own: whatever it owns in this database (it ran the migrations before the
 * roles were split) is handed to the migrating role. A superuser is refused: it could switch
 * the append-only triggers off whatever it owns. Then the grants are applied to every table,
 * also the ones later migrations made. Runs on the migrating role's connection; says what it did.
 */
export async function setUpRuntimeRole(client: Pick<Client, 'query'>, runtimeUrl: string): Promise<string[]> {
  const done: string[] = [];
  const { user, password } = loginOf(runtimeUrl);
  const me = (await client.query<{ me: string }>('SELECT current_user AS me')).rows[0].me;
  if (user && user !== me) {
    const role = escapeIdentifier(user);
    const found = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [user]);
    if (!found.rowCount) {
      await client.query(`CREATE ROLE ${role} LOGIN${password ? ` PASSWORD ${escapeLiteral(password)}` : ''}`);
      done.push(`created role ${user}`);
    } else if (found.rows[0].rolsuper) {
      throw new Error(
        `DATABASE_URL logs in as ${user}, a superuser: OreGuard must run as a role that owns nothing (see README, "Running in production")`,
      );
    } else if (password) {
      await client.query(`ALTER ROLE ${role} LOGIN PASSWORD ${escapeLiteral(password)}`);
    }
    const owned = await client.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1) LIMIT 1`,
      [user],
    );
    if (owned.rowCount) {
      await client.query(`REASSIGN OWNED BY ${role} TO ${escapeIdentifier(me)}`);
      done.push(`handed what ${user} owned to ${me}`);
    }
    await client.query(`GRANT ${RUNTIME_GROUP_ROLE} TO ${role}`);
  }
  const granted = (await client.query<{ granted: boolean }>('SELECT oreguard_grant_runtime() AS granted')).rows[0]
    .granted;
  if (!granted && user !== me)
    throw new Error(`Role ${RUNTIME_GROUP_ROLE} is missing: migrate as a role that may create roles`);
  return done;
}
