import { createHmac, randomBytes } from 'node:crypto';

/** A gateway's secret: 32 random bytes, written as 64 hex digits. The HMAC key is that text as written. */
export function newGatewaySecret(): string {
  return randomBytes(32).toString('hex');
}

/** The gateway's broker account: site and gateway identifiers never contain a dot. */
export function mqttUsername(siteId: string, gatewayId: string): string {
  return `${siteId}.${gatewayId}`;
}

/**
 * The gateway's broker password, derived from its secret, so the signing key itself never
 * travels to the broker (CONNECT) nor sits in its password file. A gateway computes it as
 * `printf oreguard-mqtt-password | openssl dgst -sha256 -hmac "$SECRET"`.
 */
export function mqttPasswordFor(secret: string): string {
  return createHmac('sha256', secret).update('oreguard-mqtt-password').digest('hex');
}

/** What an admin gets, once, when a gateway's secret is issued. */
export interface IssuedCredentials {
  siteId: string;
  gatewayId: string;
  requireSigned: boolean;
  secret: string;
  mqttUsername: string;
  mqttPassword: string;
  secretIssuedAt: string;
}
