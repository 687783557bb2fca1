import { createServer } from 'node:http';
import mqtt from 'mqtt';
import { Pool } from 'pg';
import { Server } from 'socket.io';

/**
 * The minimal reference the bench holds OreGuard against: what a first version of the service
 * would be. An MQTT 5 subscriber (QoS 1) that does one INSERT per event into a table of its own
 * and one socket.io emit per event to every connected socket. No batching, no queue, no
 * correlation, no validation; mqtt.js acknowledges each message as it arrives (its default), and
 * the INSERTs run concurrently on a small pool.
 *
 * Run as its own process: `node dist/bench/reference-loop.js` with
 *   REF_DATABASE_URL   the bench database (the table is created if missing)
 *   REF_MQTT_URL       the broker
 *   REF_TOPIC_PREFIX   it subscribes `${prefix}/sites/+/gateways/+/events`
 *   REF_PORT           its socket.io port (event `event`: {siteId, eventId, occurredAt})
 *   REF_POOL_SIZE      PostgreSQL connections (default 10)
 * It prints `ready` on stdout once subscribed, exits on SIGTERM or when its stdin closes
 * (so it never outlives the bench).
 */
export const REFERENCE_TABLE = 'reference_events';

async function main(): Promise<void> {
  const env = process.env;
  const pool = new Pool({
    connectionString: required('REF_DATABASE_URL'),
    max: Number(env.REF_POOL_SIZE ?? 10),
    application_name: 'bench-reference',
  });
  pool.on('error', () => undefined);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${REFERENCE_TABLE} (
       id          bigserial PRIMARY KEY,
       site_id     text NOT NULL,
       gateway_id  text NOT NULL,
       event_id    uuid NOT NULL,
       kind        text NOT NULL,
       occurred_at timestamptz NOT NULL,
       payload     jsonb NOT NULL,
       inserted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
       UNIQUE (site_id, gateway_id, event_id))`,
  );

  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], serveClient: false });
  await new Promise<void>((resolve) => http.listen(Number(required('REF_PORT')), '127.0.0.1', resolve));

  const prefix = required('REF_TOPIC_PREFIX');
  const client = await mqtt.connectAsync(required('REF_MQTT_URL'), {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 1000,
  });
  client.on('message', (topic, payload) => {
    // `${prefix}/sites/{site}/gateways/{gw}/events`
    const parts = topic.slice(prefix.length + 1).split('/');
    const siteId = parts[1];
    const gatewayId = parts[3];
    let event: { eventId: string; kind: string; occurredAt: string };
    try {
      event = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    pool
      .query(
        `INSERT INTO ${REFERENCE_TABLE} (site_id, gateway_id, event_id, kind, occurred_at, payload)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [siteId, gatewayId, event.eventId, event.kind, event.occurredAt, payload.toString('utf8')],
      )
      .then(() => io.emit('event', { siteId, eventId: event.eventId, occurredAt: event.occurredAt }))
      .catch((error: Error) => process.stderr.write(`insert failed: ${error.message}\n`));
  });
  await client.subscribeAsync(`${prefix}/sites/+/gateways/+/events`, { qos: 1 });
  process.stdout.write('ready\n');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await client.endAsync().catch(() => undefined);
      io.close();
      await pool.end().catch(() => undefined);
      process.exit(0);
    })();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`reference-loop: ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`reference-loop failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
