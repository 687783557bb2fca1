import { pbkdf2Sync, randomBytes } from 'node:crypto';

/** Mosquitto 2.0's password hash (`mosquitto_passwd`'s default): PBKDF2-SHA512, 101 iterations, 12-byte salt. */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

interface HashOptions {
  salt?: Buffer;
  iterations?: number;
}

function pbkdf2(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
}

/** `$7$<iterations>$<salt, base64>$<hash, base64>`, as Mosquitto 2.0 reads it from a password file. */
export function mosquittoPasswordHash(
  password: string,
  { salt = randomBytes(SALT_BYTES), iterations = MOSQUITTO_PBKDF2_ITERATIONS }: HashOptions = {},
): string {
  return `$7$${iterations}$${salt.toString('base64')}$${pbkdf2(password, salt, iterations).toString('base64')}`;
}

export interface BrokerAccount {
  username: string;
  password: string;
}

export interface GatewayAccount extends BrokerAccount {
  siteId: string;
  gatewayId: string;
}

/** One client of the dynamic security plugin's file: the password kept as its PBKDF2 hash. */
export interface DynsecClient {
  username: string;
  /** When set, the account may connect under this client id only. */
  clientid?: string;
  password: string;
  salt: string;
  iterations: number;
  roles: { rolename: string }[];
}

export interface DynsecAcl {
  acltype:
    'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribePattern';
  topic: string;
  allow: boolean;
}

/** The JSON file Mosquitto's dynamic security plugin reads (`plugin_opt_config_file`). */
export interface DynsecConfig {
  defaultACLAccess: {
    publishClientSend: boolean;
    publishClientReceive: boolean;
    subscribe: boolean;
    unsubscribe: boolean;
  };
  clients: DynsecClient[];
  groups: never[];
  roles: { rolename: string; acls: DynsecAcl[] }[];
}

/** The role of OreGuard's own account. */
export const SERVICE_ROLE = 'oreguard-service';
/** What the broker's health check reads (docker-compose): only the service account may. */
export const BROKER_UPTIME_TOPIC = '$SYS/broker/uptime';

function dynsecClient(
  account: BrokerAccount,
  rolename: string,
  clientid: string | undefined,
  hash: HashOptions,
): DynsecClient {
  if (!account.username || /[\u0000-\u001f]/.test(account.username))
    throw new Error(`Broker username "${account.username}" is not usable`);
  const salt = hash.salt ?? randomBytes(SALT_BYTES);
  const iterations = hash.iterations ?? MOSQUITTO_PBKDF2_ITERATIONS;
  return {
    username: account.username,
    ...(clientid === undefined ? {} : { clientid }),
    password: pbkdf2(account.password, salt, iterations).toString('base64'),
    salt: salt.toString('base64'),
    iterations,
    roles: [{ rolename }],
  };
}

/**
 * The broker's accounts and rights for Mosquitto 2's dynamic security plugin, from the registry.
 *
 * - Each gateway logs in as `{site}.{gateway}` and only under that same client id, so no
 *   gateway can take over another client's session (OreGuard's single session or an ingest
 *   slot: MQTT lets a new connection with a client id in use disconnect the old one). It may
 *   write only under its own `sites/{site}/gateways/{gateway}/` and subscribe to and receive
 *   only its own acks, so the site and gateway in a topic are the publisher's (contract §1).
 * - OreGuard's own account is bound to no client id: one account serves its single session
 *   and every ingest slot. It reads everything under the prefix (also as a shared
 *   subscription, `$share/<group>/…`, which the plugin checks as written) and writes the acks.
 * - Anything else is refused: anonymous clients (`allow_anonymous false`), unknown accounts,
 *   and, as the plugin's default, every publish and subscription no role allows. No account
 *   may use `$CONTROL`: the file is regenerated, never edited at the broker.
 */
export function mosquittoDynsecConfig(
  prefix: string,
  service: BrokerAccount,
  gateways: readonly GatewayAccount[],
  hash: HashOptions = {},
): DynsecConfig {
  if (/[#+]/.test(prefix) || prefix.endsWith('/'))
    throw new Error(`Topic prefix "${prefix}" must have no wildcard nor trailing /`);
  const allow = (acltype: DynsecAcl['acltype'], topic: string): DynsecAcl => ({ acltype, topic, allow: true });
  const roles: DynsecConfig['roles'] = [
    {
      rolename: SERVICE_ROLE,
      acls: [
        allow('subscribePattern', `${prefix}/#`),
        allow('subscribePattern', `$share/+/${prefix}/#`),
        allow('publishClientReceive', `${prefix}/#`),
        allow('publishClientSend', `${prefix}/sites/+/gateways/+/acks`),
        allow('subscribeLiteral', BROKER_UPTIME_TOPIC),
        allow('publishClientReceive', BROKER_UPTIME_TOPIC),
      ],
    },
  ];
  const clients = [dynsecClient(service, SERVICE_ROLE, undefined, hash)];
  const seen = new Set([service.username]);
  for (const g of gateways) {
    if (seen.has(g.username)) throw new Error(`Broker username "${g.username}" appears twice`);
    seen.add(g.username);
    const own = `${prefix}/sites/${g.siteId}/gateways/${g.gatewayId}`;
    const rolename = `gateway:${g.username}`;
    roles.push({
      rolename,
      acls: [
        allow('publishClientSend', `${own}/#`),
        allow('subscribeLiteral', `${own}/acks`),
        allow('publishClientReceive', `${own}/acks`),
      ],
    });
    clients.push(dynsecClient(g, rolename, g.username, hash));
  }
  return {
    defaultACLAccess: { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: true },
    clients,
    groups: [],
    roles,
  };
}
