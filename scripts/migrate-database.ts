/**
 * The migrate step on its own, for a deployment whose OreGuard runs as a role that owns nothing
 * (MIGRATE_ON_START=false; docker-compose's `migrate` service):
 *
 *   DATABASE_MIGRATION_URL=postgres://owner:…@db/oreguard DATABASE_URL=postgres://oreguard:…@db/oreguard \
 *     npm run db:migrate
 *
 * Waits for PostgreSQL, creates the database if missing and applies pending migrations as
 * DATABASE_MIGRATION_URL's role (DATABASE_URL's when unset), then sets up DATABASE_URL's role:
 * created if missing, a member of oreguard_runtime, owning nothing. Exits 0 when done.
 */
import { loadConfig } from '../src/config/app-config';
import { migrateDatabase } from '../src/database/migrate';
import { describeDatabase, waitForDatabase } from '../src/database/wait-for-database';

if (require.main === module) {
  (async () => {
    const config = loadConfig(process.env, { requireJwtSecret: false, requireGatewayKey: false });
    const { url, migrationUrl = url } = config.database;
    const say = (message: string) => process.stdout.write(`${message}\n`);
    await waitForDatabase(migrationUrl, { log: say, warn: say });
    const done = await migrateDatabase(migrationUrl, { runtimeUrl: url });
    say(`${describeDatabase(url)}: ${done.length ? done.join(', ') : 'nothing to do'}`);
  })().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
