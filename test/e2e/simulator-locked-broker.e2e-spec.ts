import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeMosquittoAuthFiles } from '../../scripts/mosquitto-auth';
import { runScenario } from '../../scripts/simulator/run-scenario';
import { findScenario } from '../../scripts/simulator/scenarios';
import { loadConfig } from '../../src/config/app-config';
import { SecretBox } from '../../src/sites/secret-box';
import { SiteRegistry } from '../../src/sites/site-registry';
import { MosquittoServer } from '../support/mosquitto-server';
import { freePort, startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';

const SERVICE = { username: 'oreguard-service', password: 'service-password-for-the-test' };
const SITE = 'sim-locked';

/**
 * The simulator against the broker as docker-compose runs it (the shipped conf, accounts from
 * the registry): with --broker-login each gateway logs in as its own account under its own
 * client id, and every message is stored; without it, the broker refuses it.
 */
describe('the simulator against a locked-down broker', () => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: Awaited<ReturnType<typeof startInProcess>>;
  let dir: string;
  const scenario = findScenario('ot-scan-then-tamper')!;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestContext('simulator-locked');
    dir = mkdtempSync(join(tmpdir(), 'oreguard-sim-auth-'));
    const env = ctx.env({
      GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'),
      MQTT_USERNAME: SERVICE.username,
      MQTT_PASSWORD: SERVICE.password,
    });
    const config = loadConfig(env);
    const registry = new SiteRegistry(ctx.db, new SecretBox(config.gateways.secretKey));
    await registry.createSite({ id: SITE, name: 'Locked', timeZone: 'Africa/Lubumbashi' });
    for (const { gatewayId } of scenario.gateways) {
      const issued = await registry.createGateway(SITE, gatewayId, false);
      if (!issued.ok) throw new Error(issued.error);
      secrets[gatewayId] = issued.credentials.secret;
    }
    const files = await writeMosquittoAuthFiles(config, dir);
    broker = new MosquittoServer(await freePort(), { dynsecFile: files.configFile, probe: SERVICE });
    await broker.start();
    oreguard = await startInProcess({ ...env, MQTT_URL: broker.url });
  });

  afterAll(async () => {
    await oreguard?.close();
    await broker?.dispose();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const play = (brokerLogin: boolean) =>
    runScenario(scenario, {
      url: broker.url,
      prefix: ctx.topicPrefix,
      siteId: SITE,
      timeZone: 'Africa/Lubumbashi',
      speed: 2000,
      confirm: true,
      secrets,
      brokerLogin,
      publishTimeoutMs: 3000,
      confirmTimeoutMs: 10_000,
    });

  it('is refused without a broker login', async () => {
    await expect(play(false)).rejects.toThrow(/Not authorized/i);
  });

  it('plays every message through with --broker-login: all stored, none rejected or missing', async () => {
    const summary = await play(true);
    expect({
      rejected: summary.confirmations.rejected,
      missing: summary.confirmations.missing,
      rejections: summary.rejections,
    }).toEqual({
      rejected: 0,
      missing: 0,
      rejections: [],
    });
    expect(summary.confirmations.stored).toBe(summary.stored);
    expect(summary.stored).toBeGreaterThan(0);
  });
});
