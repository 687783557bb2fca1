/**
 * Writes Mosquitto's password and ACL files from OreGuard's gateway registry, so each gateway
 * may write only its own topics and read only its own acks:
 *
 *   npm run gateways:mosquitto -- --out /etc/mosquitto/oreguard
 *
 * Reads DATABASE_URL and GATEWAY_SECRET_KEY (to derive each gateway's broker password from its
 * secret) and OreGuard's own broker account from MQTT_USERNAME / MQTT_PASSWORD. Writes
 * `<out>/passwd` (mode 600) and `<out>/acl`, each replaced atomically; prints no secret.
 * Gateways without a secret get no broker account: issue one first (POST /sites/{id}/gateways).
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../src/config/app-config';
import { Db } from '../src/database/db';
import { mqttPasswordFor, mqttUsername } from '../src/sites/gateway-credentials';
import { mosquittoAclFile, mosquittoPasswordFile, type GatewayAccount } from '../src/sites/mosquitto-auth-files';
import { SecretBox } from '../src/sites/secret-box';
import { SiteRegistry } from '../src/sites/site-registry';

export interface MosquittoAuthResult {
  passwordFile: string;
  aclFile: string;
  gateways: string[];
  /** Gateways left out: no secret issued, or it does not decrypt under GATEWAY_SECRET_KEY. */
  skipped: string[];
}

export async function writeMosquittoAuthFiles(config: AppConfig, outDir: string): Promise<MosquittoAuthResult> {
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
    const passwordFile = join(outDir, 'passwd');
    const aclFile = join(outDir, 'acl');
    replaceFile(passwordFile, mosquittoPasswordFile([{ username: service, password: servicePassword }, ...accounts]), 0o600);
    replaceFile(aclFile, mosquittoAclFile(topicPrefix, service, accounts), 0o644);
    return { passwordFile, aclFile, gateways: accounts.map((a) => a.username), skipped };
  } finally {
    await db.close();
  }
}

/** Written beside the target, then renamed: Mosquitto never reads half a file. */
function replaceFile(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function outDirFrom(args: readonly string[]): string {
  const at = args.indexOf('--out');
  const dir = at >= 0 ? args[at + 1] : undefined;
  if (!dir) throw new Error('usage: npm run gateways:mosquitto -- --out <dir>');
  return dir;
}

if (require.main === module) {
  (async () => {
    const result = await writeMosquittoAuthFiles(loadConfig(), outDirFrom(process.argv.slice(2)));
    process.stdout.write(`Wrote ${result.passwordFile} and ${result.aclFile}: ${result.gateways.length} gateway account(s)\n`);
    if (result.skipped.length) {
      process.stdout.write(`No broker account (no readable secret): ${result.skipped.join(', ')}\n`);
    }
    process.stdout.write('Reload Mosquitto to apply them (SIGHUP, or docker compose kill -s HUP mosquitto).\n');
  })().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
