import { Client } from 'pg';
import { createDataSource } from './data-source';
import { keepErrorsHandled } from './db';
import { ensureDatabase } from './ensure-database';

/** Arbitrary key of the session lock that lets one instance migrate at a time. */
const MIGRATION_LOCK_KEY = 734_118_205;

/**
 * Creates the database if needed and applies pending migrations. Instances that start together
 * queue on an advisory lock, so each migration runs once; the others then find nothing to do.
 */
export async function migrateDatabase(url: string): Promise<string[]> {
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
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
