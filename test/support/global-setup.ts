import { Client } from 'pg';
import { migrateDatabase } from '../../src/database/migrate';
import { TEMPLATE_DATABASE, TEST_SERVICES } from './services';

/**
 * Builds the migrated template database that every test file clones (CREATE DATABASE …
 * TEMPLATE), so each file gets its own database in milliseconds. Rebuilt on every run, so a
 * changed migration is always what the tests see.
 */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(`${TEST_SERVICES.postgresUrl}/${TEMPLATE_DATABASE}`);
}
