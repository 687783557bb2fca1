/** The shared services tests run against (the machine's own), overridable for other set-ups. */
export const TEST_SERVICES = {
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mqttUrl: process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
};

export const TEMPLATE_DATABASE = 'oreguard_test_template';
