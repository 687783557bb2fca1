import { loadConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';

/**
 * Runs fn on the database named by DATABASE_URL (through loadConfig, like the server), then
 * closes it. The server's other requirements do not apply: JWT_SECRET and GATEWAY_SECRET_KEY
 * may be absent even in production, since account commands neither sign tokens nor touch
 * gateway secrets.
 */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { requireJwtSecret: false, requireGatewayKey: false });
  const db = new Db(config.database.url, 2);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
