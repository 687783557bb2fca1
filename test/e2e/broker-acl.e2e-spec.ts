import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { writeMosquittoAuthFiles } from '../../scripts/mosquitto-auth';
import { loadConfig } from '../../src/config/app-config';
import { mqttPasswordFor } from '../../src/sites/gateway-credentials';
import { SecretBox } from '../../src/sites/secret-box';
import { SiteRegistry } from '../../src/sites/site-registry';
import { aDroneEvent } from '../factories/events';
import { MosquittoServer } from '../support/mosquitto-server';
import { freePort, startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const SERVICE = { username: 'oreguard-service', password: 'service-password-for-the-test' };

/**
 * The broker locked down as shipped (docker/mosquitto.conf) with the dynamic security file
 * `npm run gateways:mosquitto` writes from the registry:
 * each gateway logs in as `{site}.{gateway}` and may write only its own topics and read only
 * its own acks, so the site and gateway in a topic really are the publisher's.
 */
describe('a broker locked down with the generated dynamic security file', () => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: Awaited<ReturnType<typeof startInProcess>>;
  let dir: string;
  const clients: MqttClient[] = [];
  const passwords: Record<string, string> = {};

  const connect = async (options: IClientOptions) => {
    const client = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const asGateway = (gatewayId: string) =>
    connect({ username: `kolwezi-1.${gatewayId}`, clientId: `kolwezi-1.${gatewayId}`, password: passwords[gatewayId] });
  const topicOf = (gatewayId: string, leaf: string) =>
    `${ctx.topicPrefix}/sites/kolwezi-1/gateways/${gatewayId}/${leaf}`;
  const stored = async (eventId: string) =>
    (await ctx.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).length;

  beforeAll(async () => {
    ctx = await createTestContext('broker-acl');
    dir = mkdtempSync(join(tmpdir(), 'oreguard-broker-auth-'));
    const env = ctx.env({
      GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'),
      MQTT_USERNAME: SERVICE.username,
      MQTT_PASSWORD: SERVICE.password,
    });
    const config = loadConfig(env);
    const registry = new SiteRegistry(ctx.db, new SecretBox(config.gateways.secretKey));
    await registry.createSite({ id: 'kolwezi-1', name: 'Kolwezi', timeZone: 'Africa/Lubumbashi' });
    for (const gatewayId of ['gw-a', 'gw-b']) {
      const issued = await registry.createGateway('kolwezi-1', gatewayId, false);
      if (!issued.ok) throw new Error(issued.error);
      passwords[gatewayId] = issued.credentials.mqttPassword;
      expect(issued.credentials.mqttPassword).toBe(mqttPasswordFor(issued.credentials.secret));
    }
    const files = await writeMosquittoAuthFiles(config, dir);
    expect(files.gateways).toEqual(['kolwezi-1.gw-a', 'kolwezi-1.gw-b']);

    broker = new MosquittoServer(await freePort(), { dynsecFile: files.configFile, probe: SERVICE });
    await broker.start();
    oreguard = await startInProcess({ ...env, MQTT_URL: broker.url });
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await oreguard?.close();
    await broker?.dispose();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a file only its owner can read, holding hashes and no password', () => {
    const file = readFileSync(join(dir, 'dynamic-security.json'), 'utf8');
    expect(statSync(join(dir, 'dynamic-security.json')).mode & 0o077).toBe(0);
    expect((JSON.parse(file) as { clients: { username: string }[] }).clients.map((c) => c.username)).toEqual([
      SERVICE.username,
      'kolwezi-1.gw-a',
      'kolwezi-1.gw-b',
    ]);
    for (const secret of [SERVICE.password, passwords['gw-a'], passwords['gw-b']]) expect(file).not.toContain(secret);
  });

  it('refuses anonymous clients, a wrong password, and one gateway logging in as another', async () => {
    await expect(connect({})).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connect({ username: 'kolwezi-1.gw-a', password: 'guess' })).rejects.toThrow(
      /Not authorized|Bad User Name or Password/i,
    );
    await expect(connect({ username: 'kolwezi-1.gw-a', password: passwords['gw-b'] })).rejects.toThrow(
      /Not authorized|Bad User Name or Password/i,
    );
    // Its own valid credentials, under a client id not its own.
    await expect(
      connect({ username: 'kolwezi-1.gw-a', clientId: 'kolwezi-1.gw-b', password: passwords['gw-a'] }),
    ).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });

  it("stores what a gateway publishes on its own topic, and nothing it publishes on another gateway's", async () => {
    const a = await asGateway('gw-a');
    const own = aDroneEvent();
    await a.publishAsync(topicOf('gw-a', 'events'), JSON.stringify(own), { qos: 1 });
    await waitFor(() => stored(own.eventId), { what: "gw-a's event on its own topic to be stored" });

    const forged = aDroneEvent();
    const refusal = await a
      .publishAsync(topicOf('gw-b', 'events'), JSON.stringify(forged), { qos: 1 })
      .then(() => 'acknowledged')
      .catch((error: Error) => error.message);
    // Mosquitto 2.0 answers an MQTT 5 publish its ACL refuses with PUBACK reason 0x87, Not authorized.
    // (With max_queued_messages 0, as shipped, 2.0.11 also drops the connection right after: a broker
    // quirk of max_queued_messages 0 fixed in later 2.0 releases. The gateway reconnects.)
    expect(refusal).toMatch(/Not authorized/i);

    // A later event of gw-a's own is stored: had the forged one reached OreGuard, it would have been first.
    const after = aDroneEvent();
    await (await asGateway('gw-a')).publishAsync(topicOf('gw-a', 'events'), JSON.stringify(after), { qos: 1 });
    await waitFor(() => stored(after.eventId), { what: "gw-a's later event to be stored" });
    expect(await stored(forged.eventId)).toBe(0);
    expect(await ctx.db.query("SELECT 1 FROM events WHERE gateway_id = 'gw-b'")).toEqual([]);
  });

  it("gives a gateway its own confirmations and not another gateway's", async () => {
    const a = await asGateway('gw-a');
    const b = await asGateway('gw-b');
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.on('message', (topic, payload) => seenByA.push(`${topic} ${payload.toString()}`));
    b.on('message', (topic, payload) => seenByB.push(`${topic} ${payload.toString()}`));

    const granted = await a.subscribeAsync(topicOf('gw-a', 'acks'), { qos: 1 });
    expect(granted[0].qos).toBe(1);
    // The dynamic security plugin refuses the subscription to gw-b's acks outright (SUBACK 0x87),
    // and would deliver nothing on it anyway: it also checks each message sent to a client.
    const refused = await a
      .subscribeAsync(topicOf('gw-b', 'acks'), { qos: 1 })
      .then((g) => `granted QoS ${g[0].qos}`)
      .catch((error: Error) => error.message);
    expect(refused).toMatch(/Not authorized/i);
    await b.subscribeAsync(topicOf('gw-b', 'acks'), { qos: 1 });

    const ofB = aDroneEvent();
    await b.publishAsync(topicOf('gw-b', 'events'), JSON.stringify(ofB), {
      qos: 1,
      properties: { responseTopic: topicOf('gw-b', 'acks'), correlationData: Buffer.from('b-1') },
    });
    await waitFor(() => seenByB.find((m) => m.includes(ofB.eventId)), { what: "gw-b's confirmation" });
    const ofA = aDroneEvent();
    await a.publishAsync(topicOf('gw-a', 'events'), JSON.stringify(ofA), {
      qos: 1,
      properties: { responseTopic: topicOf('gw-a', 'acks'), correlationData: Buffer.from('a-1') },
    });
    await waitFor(() => seenByA.find((m) => m.includes(ofA.eventId)), { what: "gw-a's confirmation" });

    expect(seenByA.filter((m) => m.includes('gw-b'))).toEqual([]);
    expect(seenByA.some((m) => m.includes(ofB.eventId))).toBe(false);
  });

  it("refuses a gateway writing a confirmation onto another gateway's acks topic", async () => {
    const a = await asGateway('gw-a');
    const b = await asGateway('gw-b');
    const seenByB: string[] = [];
    b.on('message', (_topic, payload) => seenByB.push(payload.toString()));
    await b.subscribeAsync(topicOf('gw-b', 'acks'), { qos: 1 });

    const forged = await a
      .publishAsync(topicOf('gw-b', 'acks'), JSON.stringify({ status: 'stored', eventId: 'forged' }), { qos: 1 })
      .then(() => 'acknowledged')
      .catch((error: Error) => error.message);
    expect(forged).toMatch(/Not authorized/i);
    // gw-b's own next confirmation arrives; the forged one never did.
    const event = aDroneEvent();
    await b.publishAsync(topicOf('gw-b', 'events'), JSON.stringify(event), {
      qos: 1,
      properties: { responseTopic: topicOf('gw-b', 'acks'), correlationData: Buffer.from('b-2') },
    });
    await waitFor(() => seenByB.find((m) => m.includes(event.eventId)), { what: "gw-b's confirmation" });
    expect(seenByB.filter((m) => m.includes('forged'))).toEqual([]);
  });
});
