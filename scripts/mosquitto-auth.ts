/**
 * Writes the configuration of Mosquitto's dynamic security plugin from OreGuard's gateway
 * registry, so each gateway connects only under its own client id, may write only its own
 * topics and read only its own acks (see mosquittoDynsecConfig):
 *
 *   npm run gateways:mosquitto -- --out /etc/mosquitto/oreguard [--chown <uid>:<gid>]
 *
 * Reads DATABASE_URL and GATEWAY_SECRET_KEY (to derive each gateway's broker password from its
 * secret) and OreGuard's own broker account from MQTT_USERNAME / MQTT_PASSWORD. Writes
 * `<out>/dynamic-security.json` (mode 600, handed to uid:gid with --chown: the broker's user
 * must read it), replaced atomically; prints no secret. The broker reads it when it starts
 * (Mosquitto 2.0 does not reread it on SIGHUP): restart it after regenerating. Gateways
 * without a secret get no broker account: issue one first (POST /sites/{id}/gateways).
 */
import { chmodSync, chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../src/config/app-config';
import { Db } from '../src/database/db';
import { mqttPasswordFor, mqttUsername } from '../src/sites/gateway-credentials';
import { mosquittoDynsecConfig, type GatewayAccount } from '../src/sites/mosquitto-auth-files';
import { SecretBox } from '../src/sites/secret-box';
import { SiteRegistry } from '../src/sites/site-registry';

/** The file's name in the output folder; docker/mosquitto.conf names it. */
export const DYNSEC_FILE = 'dynamic-security.json';

export interface MosquittoAuthResult {
  configFile: string;
  gateways: string[];
  /** Gateways left out: no secret issued, or it does not decrypt under GATEWAY_SECRET_KEY. */
  skipped: string[];
}

export async function writeMosquittoAuthFiles(
  config: AppConfig,
  outDir: string,
  { owner }: { owner?: { uid: number; gid: number } } = {},
): Promise<MosquittoAuthResult> {
  const { username: service, password: servicePassword, topicPrefix } = config.mqtt;
  if (!service || !servicePassword) {
    throw new Error("MQTT_USERNAME and MQTT_PASSWORD must be set: they are OreGuard's own broker account");
  }
  const db = new Db(config.database.url, 1);
  try {
    const registry = new SiteRegistry(db, new SecretBox(config.gateways.secretKey));
    const keys = await registry.gatewayKeys();
    const accounts: GatewayAccount[] = [];
    const skipped: string[] = [];
    for (const key of keys) {
      if (!key.secret) {
        skipped.push(`${key.siteId}/${key.gatewayId}`);
        continue;
      }
      accounts.push({
        siteId: key.siteId,
        gatewayId: key.gatewayId,
        username: mqttUsername(key.siteId, key.gatewayId),
        password: mqttPasswordFor(key.secret),
      });
    }
    mkdirSync(outDir, { recursive: true });
    const configFile = join(outDir, DYNSEC_FILE);
    const dynsec = mosquittoDynsecConfig(topicPrefix, { username: service, password: servicePassword }, accounts);
    replaceFile(configFile, `${JSON.stringify(dynsec, null, 2)}\n`, 0o600, owner);
    return { configFile, gateways: accounts.map((a) => a.username), skipped };
  } finally {
    await db.close();
  }
}

/** Written beside the target, then renamed: Mosquitto never reads half a file. */
function replaceFile(path: string, content: string, mode: number, owner?: { uid: number; gid: number }): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  if (owner) chownSync(temporary, owner.uid, owner.gid);
  renameSync(temporary, path);
}

const USAGE = 'usage: npm run gateways:mosquitto -- --out <dir> [--chown <uid>:<gid>]';

function optionsFrom(args: readonly string[]): { outDir: string; owner?: { uid: number; gid: number } } {
  const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const outDir = value('--out');
  if (!outDir) throw new Error(USAGE);
  const chown = value('--chown');
  if (chown === undefined) return { outDir };
  const ids = /^(\d+):(\d+)$/.exec(chown);
  if (!ids) throw new Error(USAGE);
  return { outDir, owner: { uid: Number(ids[1]), gid: Number(ids[2]) } };
}

if (require.main === module) {
  (async () => {
    const { outDir, owner } = optionsFrom(process.argv.slice(2));
    // It signs no token: JWT_SECRET is not needed, even in production.
    const result = await writeMosquittoAuthFiles(loadConfig(process.env, { requireJwtSecret: false }), outDir, {
      owner,
    });
    process.stdout.write(`Wrote ${result.configFile}: ${result.gateways.length} gateway account(s)\n`);
    if (result.skipped.length) {
      process.stdout.write(`No broker account (no readable secret): ${result.skipped.join(', ')}\n`);
    }
    process.stdout.write(
      'Restart Mosquitto to apply it (docker compose restart mosquitto): it reads the file only when it starts.\n',
    );
  })().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
