/** The shared services tests run against (the machine's own), overridable for other set-ups. */
export const TEST_SERVICES = {
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mqttUrl: process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
};

/** The migrated template of this test run (see global-setup.ts). */
export function templateDatabase(): string {
  const name = process.env.OREGUARD_TEST_TEMPLATE;
  if (!name) throw new Error('OREGUARD_TEST_TEMPLATE is not set: run the tests through jest (global setup builds it)');
  return name;
}
