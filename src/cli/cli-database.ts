import { loadConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';

/**
 * Runs fn on the database named by DATABASE_URL (through loadConfig, like the server), then
 * closes it. The server's other requirements do not apply: JWT_SECRET may be absent even in
 * production, since the CLI neither signs nor checks tokens.
 */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { requireJwtSecret: false });
  const db = new Db(config.database.url, 2);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
