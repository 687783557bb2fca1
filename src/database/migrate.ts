import { Client } from 'pg';
import { createDataSource } from './data-source';
import { keepErrorsHandled } from './db';
import { ensureDatabase } from './ensure-database';
import { loginOf, setUpRuntimeRole } from './runtime-role';

/** Arbitrary key of the session lock that lets one instance migrate at a time. */
const MIGRATION_LOCK_KEY = 734_118_205;

/**
 * Creates the database if needed and applies pending migrations, as the role of `url` (the
 * owner: DATABASE_MIGRATION_URL, or DATABASE_URL when that is not set). With `runtimeUrl`
 * (DATABASE_URL) naming another role, that role is then set up to run OreGuard with least
 * privilege (src/database/runtime-role.ts). Instances that start together queue on an
 * advisory lock, so each migration runs once; the others then find nothing to do.
 */
export async function migrateDatabase(
  url: string,
  { runtimeUrl = url }: { runtimeUrl?: string } = {},
): Promise<string[]> {
  await ensureDatabase(url);
  const lock = new Client({ connectionString: url });
  keepErrorsHandled(lock);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = createDataSource(url);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      // Grants follow new tables, and a runtime role of its own is set up (or checked) each time.
      const separate = loginOf(runtimeUrl).user !== loginOf(url).user;
      const roles = applied.length || separate ? await setUpRuntimeRole(lock, runtimeUrl) : [];
      return [...applied.map((m) => m.name), ...roles];
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
