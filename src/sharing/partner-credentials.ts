import { randomBytes } from 'node:crypto';

/** A partner's secret: shown once at creation, kept only as an argon2id hash (as users' passwords are). */
export function newPartnerSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The bearer token of a partner: its id and secret, so the hash to check is found without a scan. */
export function partnerToken(partnerId: string, secret: string): string {
  return `ogp.${partnerId}.${secret}`;
}

export type PartnerCredentials =
  { by: 'name'; name: string; secret: string } | { by: 'id'; id: string; secret: string };

/**
 * Reads `Authorization`: HTTP Basic (partner name and secret, what taxii2-client sends) or Bearer
 * (the partner token). Undefined for anything else, a user's token included.
 */
export function partnerCredentials(header: string | undefined): PartnerCredentials | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (basic) {
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    return { by: 'name', name: text.slice(0, colon), secret: text.slice(colon + 1) };
  }
  const bearer = /^Bearer\s+ogp\.([0-9a-f-]{36})\.([A-Za-z0-9_-]+)$/i.exec(header ?? '');
  if (bearer) return { by: 'id', id: bearer[1]!.toLowerCase(), secret: bearer[2]! };
  return undefined;
}
