import { createHash } from 'node:crypto';

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** RFC 9562 name space ids. */
export const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
export const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/**
 * OreGuard's namespace for ids it derives (Suricata alerts, Remote ID messages).
 * Fixed forever: changing it changes every derived event id. It is
 * uuidV5('https://oreguard.io/ns/event-id', URL_NAMESPACE).
 */
export const OREGUARD_NAMESPACE = 'fa9ca898-578e-5a33-9866-66f5fff8b003';

/** Name-based UUID, version 5 (SHA-1), RFC 9562 §5.5. Lowercase text form. */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID_TEXT.test(namespace)) throw new Error(`uuidV5: namespace "${namespace}" is not a UUID`);
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
