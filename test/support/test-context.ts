import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Db } from '../../src/database/db';
import { clearMqttSession } from './mqtt-gateway';
import { TEST_SERVICES, templateDatabase } from './services';

/**
 * What one test file owns: its database (cloned from the migrated template), a Redis key
 * prefix, an MQTT topic prefix and client id. dispose() removes all of it.
 */
export interface TestContext {
  name: string;
  databaseUrl: string;
  queuePrefix: string;
  topicPrefix: string;
  /** Environment for an OreGuard instance of this context (PORT=0 picks a free port). */
  env(overrides?: Record<string, string>): Record<string, string>;
  db: Db;
  dispose(): Promise<void>;
}

export async function createTestContext(label: string): Promise<TestContext> {
  const name = `og_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = `${TEST_SERVICES.postgresUrl}/${name}`;
  const db = new Db(databaseUrl, 4);
  const queuePrefix = `test-${name}`;
  const topicPrefix = `test/${name}`;
  return {
    name,
    databaseUrl,
    queuePrefix,
    topicPrefix,
    db,
    env: (overrides = {}) => ({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: TEST_SERVICES.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      MQTT_URL: TEST_SERVICES.mqttUrl,
      MQTT_TOPIC_PREFIX: topicPrefix,
      MQTT_CLIENT_ID: `${name}-a`,
      JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
      OREGUARD_ADMIN_USERNAME: 'admin',
      OREGUARD_ADMIN_PASSWORD: 'admin-password',
      LIVE_RESUME_GRACE_MS: '300',
      // Off unless a test turns it on: incidents written straight into a test's database are old and open.
      ESCALATE_AFTER: 'off',
      LOG_LEVEL: 'warn',
      ...overrides,
    }),
    dispose: async () => {
      await db.close();
      await deleteRedisKeys(queuePrefix);
      for (const suffix of ['a', 'b']) await clearMqttSession(`${name}-${suffix}`).catch(() => undefined);
      const cleanup = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(TEST_SERVICES.redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
