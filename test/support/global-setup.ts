import { migrateDatabase } from '../../src/database/migrate';
import { randomBytes } from 'node:crypto';
import { TEST_SERVICES } from './services';

/**
 * Builds the migrated template database that every test file clones (CREATE DATABASE …
 * TEMPLATE), so each file gets its own database in milliseconds. Each run builds its own
 * (named in OREGUARD_TEST_TEMPLATE, which test workers inherit), so a changed migration is
 * always what the tests see and parallel runs do not disturb each other.
 */
export default async function globalSetup(): Promise<void> {
  const name = `og_template_${randomBytes(4).toString('hex')}`;
  process.env.OREGUARD_TEST_TEMPLATE = name;
  await migrateDatabase(`${TEST_SERVICES.postgresUrl}/${name}`);
}
