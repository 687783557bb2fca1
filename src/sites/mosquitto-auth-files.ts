import { pbkdf2Sync, randomBytes } from 'node:crypto';

/** Mosquitto 2.0's password hash (`mosquitto_passwd`'s default): PBKDF2-SHA512, 101 iterations, 12-byte salt. */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** `$7$<iterations>$<salt, base64>$<hash, base64>`, as Mosquitto 2.0 reads it from a password file. */
export function mosquittoPasswordHash(
  password: string,
  { salt = randomBytes(SALT_BYTES), iterations = MOSQUITTO_PBKDF2_ITERATIONS }: { salt?: Buffer; iterations?: number } = {},
): string {
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface BrokerAccount {
  username: string;
  password: string;
}

export interface GatewayAccount extends BrokerAccount {
  siteId: string;
  gatewayId: string;
}

/** One `username:hash` line per account. Usernames must not contain ':' (identifiers never do). */
export function mosquittoPasswordFile(accounts: readonly BrokerAccount[]): string {
  return accounts
    .map((a) => {
      if (/[:\n]/.test(a.username)) throw new Error(`Broker username "${a.username}" cannot go in a password file`);
      return `${a.username}:${mosquittoPasswordHash(a.password)}\n`;
    })
    .join('');
}

/**
 * The ACL: each gateway writes only under its own `sites/{site}/gateways/{gateway}/` and reads
 * only its own acks, so the site and gateway in a topic are the publisher's identity (contract
 * §1). OreGuard's service account reads everything under the prefix and writes the acks.
 * Anyone else (and anonymous clients) gets nothing.
 */
export function mosquittoAclFile(prefix: string, service: string, gateways: readonly Omit<GatewayAccount, 'password'>[]): string {
  if (/[#+]/.test(prefix) || prefix.endsWith('/')) throw new Error(`Topic prefix "${prefix}" must have no wildcard nor trailing /`);
  const lines = [
    '# Written by OreGuard (npm run gateways:mosquitto) from its gateway registry; regenerate, do not edit.',
    '',
    `user ${service}`,
    `topic read ${prefix}/#`,
    `topic write ${prefix}/sites/+/gateways/+/acks`,
  ];
  for (const g of gateways) {
    const own = `${prefix}/sites/${g.siteId}/gateways/${g.gatewayId}`;
    lines.push('', `user ${g.username}`, `topic write ${own}/#`, `topic read ${own}/acks`);
  }
  return `${lines.join('\n')}\n`;
}
