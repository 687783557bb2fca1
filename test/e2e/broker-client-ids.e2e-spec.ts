import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { writeMosquittoAuthFiles } from '../../scripts/mosquitto-auth';
import { loadConfig } from '../../src/config/app-config';
import { slotClientId } from '../../src/ingestion/slot-plan';
import { SecretBox } from '../../src/sites/secret-box';
import { SiteRegistry } from '../../src/sites/site-registry';
import { aDroneEvent } from '../factories/events';
import { MosquittoServer } from '../support/mosquitto-server';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const SERVICE = { username: 'oreguard-service', password: 'service-password-for-the-test' };
const EVENTS = 40;
const TRIES_PER_ID = 25;
const GROUP = 'og';

/**
 * Issue 16.1: with topic ACLs alone, a gateway logging in with its own valid credentials under
 * OreGuard's client id took OreGuard's session over every time, and most of what another
 * gateway published meanwhile never reached OreGuard. With the generated dynamic security file
 * each gateway may connect only under its own client id: every try is refused, nothing is lost.
 */
describe.each([
  ['one session (MQTT_CLIENT_ID)', false],
  ['ingest slots (MQTT_SHARED_GROUP)', true],
])("a gateway trying OreGuard's client ids, OreGuard running %s", (_mode, slots) => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: OreGuardProcess;
  let dir: string;
  const clients: MqttClient[] = [];
  const passwords: Record<string, string> = {};

  const asGateway = (gatewayId: string, clientId = `kolwezi-1.${gatewayId}`) =>
    mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      username: `kolwezi-1.${gatewayId}`,
      password: passwords[gatewayId],
      clientId,
    });
  const topicOf = (gatewayId: string) => `${ctx.topicPrefix}/sites/kolwezi-1/gateways/${gatewayId}/events`;
  const storedOf = async (ids: string[]) =>
    (
      await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1::uuid[])', [ids])
    )[0].n;

  beforeAll(async () => {
    ctx = await createTestContext(slots ? 'client-ids-slots' : 'client-ids-one');
    dir = mkdtempSync(join(tmpdir(), 'oreguard-client-ids-'));
    const env = ctx.env({
      GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'),
      MQTT_USERNAME: SERVICE.username,
      MQTT_PASSWORD: SERVICE.password,
      ...(slots ? { MQTT_SHARED_GROUP: GROUP, MQTT_INGEST_SLOTS: '2' } : {}),
    });
    const config = loadConfig(env);
    const registry = new SiteRegistry(ctx.db, new SecretBox(config.gateways.secretKey));
    await registry.createSite({ id: 'kolwezi-1', name: 'Kolwezi', timeZone: 'Africa/Lubumbashi' });
    for (const gatewayId of ['gw-intruder', 'gw-honest']) {
      const issued = await registry.createGateway('kolwezi-1', gatewayId, false);
      if (!issued.ok) throw new Error(issued.error);
      passwords[gatewayId] = issued.credentials.mqttPassword;
    }
    const files = await writeMosquittoAuthFiles(config, dir);
    broker = new MosquittoServer(await freePort(), { dynsecFile: files.configFile, probe: SERVICE });
    await broker.start();
    oreguard = new OreGuardProcess({ ...env, MQTT_URL: broker.url, PORT: String(await freePort()) });
    await oreguard.start();
    // Ready means subscribed; a probe stored proves the whole path before counting.
    const honest = await asGateway('gw-honest');
    clients.push(honest);
    const probe = aDroneEvent({ sensorId: 'probe' });
    await waitFor(
      async () => {
        await honest.publishAsync(topicOf('gw-honest'), JSON.stringify(probe), { qos: 1 });
        return (await storedOf([probe.eventId])) === 1;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'OreGuard to store a probe event' },
    );
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await broker?.dispose();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every try, and every event the other gateway publishes meanwhile is stored', async () => {
    const targets = slots ? [slotClientId(GROUP, 1), slotClientId(GROUP, 2), `${ctx.name}-a`] : [`${ctx.name}-a`];
    const honest = clients[0];
    const published: string[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < TRIES_PER_ID; i++) {
      for (const clientId of targets) {
        outcomes.push(
          await asGateway('gw-intruder', clientId).then(
            async (client) => {
              await client.endAsync(true);
              return `connected as ${clientId}`;
            },
            (error: Error) => error.message,
          ),
        );
      }
      // Two events per round, each acknowledged by the broker while the takeovers are tried.
      for (let j = 0; j < EVENTS / TRIES_PER_ID + 1 && published.length < EVENTS; j++) {
        const event = aDroneEvent();
        await honest.publishAsync(topicOf('gw-honest'), JSON.stringify(event), { qos: 1 });
        published.push(event.eventId);
      }
    }

    expect(outcomes).toHaveLength(TRIES_PER_ID * targets.length);
    expect(outcomes.filter((o) => !/Not authorized/i.test(o))).toEqual([]);
    expect(published).toHaveLength(EVENTS);
    await waitFor(async () => (await storedOf(published)) === EVENTS, {
      timeoutMs: 10_000,
      what: `all ${EVENTS} events stored`,
    });
    // No session of OreGuard's was ever taken over: the broker never closed one for a newcomer.
    expect(broker.log).not.toMatch(/already connected, closing old connection/i);
    expect(oreguard.output).not.toMatch(/Disconnected from the broker/);
  });

  it('still lets the gateway in under its own client id', async () => {
    const own = await asGateway('gw-intruder');
    clients.push(own);
    expect(own.connected).toBe(true);
  });
});
