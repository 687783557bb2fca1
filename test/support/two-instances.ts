import { untilIngesting } from './ingest-ready';
import { MosquittoServer } from './mosquitto-server';
import { freePort, OreGuardProcess } from './oreguard';
import type { TestContext } from './test-context';

export interface TwoInstances {
  /** The file's own broker: a shared subscription can queue more than Debian's default 1,000 messages for one member. */
  broker: MosquittoServer;
  /** Ingests and serves the API; runs no worker. */
  a: OreGuardProcess;
  /** Ingests, serves the API and runs the worker (folds, checks). */
  b: OreGuardProcess;
  /** Kills both and removes the broker. */
  stop(): Promise<void>;
}

/**
 * Two OreGuard processes on one test database and Redis prefix, splitting the MQTT stream of
 * their own broker through the shared group `oreguard`; resolves once the stream reaches them.
 * `env` adds to both. They start one after the other: both on a fresh database would race to
 * create the admin.
 */
export async function startTwoInstances(ctx: TestContext, env: Record<string, string> = {}): Promise<TwoInstances> {
  const broker = new MosquittoServer(await freePort());
  const instance = async (name: string, roles: string) =>
    new OreGuardProcess(
      ctx.env({
        MQTT_URL: broker.url,
        MQTT_SHARED_GROUP: 'oreguard',
        ...env,
        OREGUARD_ROLES: roles,
        MQTT_CLIENT_ID: `${ctx.name}-${name}`,
        PORT: String(await freePort()),
      }),
    );
  const a = await instance('a', 'api,ingest');
  const b = await instance('b', 'api,ingest,worker');
  const stop = async () => {
    await a.stop('SIGKILL');
    await b.stop('SIGKILL');
    await broker.dispose();
  };
  try {
    await broker.start();
    await a.start();
    await b.start();
    await untilIngesting(ctx.topicPrefix, ctx.db, broker.url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { broker, a, b, stop };
}
