import { Client } from 'pg';
import { TEST_SERVICES } from './services';

/** Drops the template database this run built. */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
  await admin.connect();
  try {
    const name = process.env.OREGUARD_TEST_TEMPLATE;
    if (name) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
