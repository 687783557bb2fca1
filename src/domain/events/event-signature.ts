import { createHmac, timingSafeEqual } from 'node:crypto';

/** The MQTT 5 user property that carries an event's signature (contract §1, "Signed events"). */
export const SIGNATURE_PROPERTY = 'oreguard-sig';

const SIGNATURE_TEXT = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `sha256=<hex>`: the HMAC-SHA256 of the exact payload bytes, keyed by the gateway's secret as written. */
export function signPayload(payload: Uint8Array, secret: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
}

/**
 * Checks the `oreguard-sig` user property against the exact payload bytes. The reason names
 * the property and the fault; the comparison takes the same time whatever bytes differ.
 */
export function checkSignature(
  payload: Uint8Array,
  userProperties: Record<string, string | string[]> | undefined,
  secret: string | Buffer,
): SignatureCheck {
  const given = userProperties?.[SIGNATURE_PROPERTY];
  if (given === undefined) return { ok: false, reason: `${SIGNATURE_PROPERTY}: missing` };
  if (Array.isArray(given)) {
    return { ok: false, reason: `${SIGNATURE_PROPERTY}: given ${given.length} times (one signature per event)` };
  }
  const match = SIGNATURE_TEXT.exec(given);
  if (!match) return { ok: false, reason: `${SIGNATURE_PROPERTY}: not of the form sha256=<64 hex digits>` };
  const expected = createHmac('sha256', secret).update(payload).digest();
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) {
    return { ok: false, reason: `${SIGNATURE_PROPERTY}: does not match the payload` };
  }
  return { ok: true };
}
