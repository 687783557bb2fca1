import { createHmac, timingSafeEqual } from 'node:crypto';

/** The MQTT 5 user property that carries a message's signature (contract §1, "Signed events"). */
export const SIGNATURE_PROPERTY = 'oreguard-sig';

const SIGNATURE_TEXT = /^v2 sha256=([0-9a-fA-F]{64})$/;
/** The older form, over the payload alone: signed bytes could be replayed under another topic. */
const PAYLOAD_ONLY_TEXT = /^sha256=[0-9a-fA-F]{64}$/;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The HMAC-SHA256 under the secret (as written) of the exact topic (UTF-8), one newline byte, then the exact payload. */
function messageMac(topic: string, payload: Uint8Array, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(topic, 'utf8').update('\n').update(payload).digest();
}

/** `v2 sha256=<hex>`: what a gateway that must sign sets as `oreguard-sig` on a message to `topic`. */
export function signMessage(topic: string, payload: Uint8Array, secret: string | Buffer): string {
  return `v2 sha256=${messageMac(topic, payload, secret).toString('hex')}`;
}

/**
 * Checks the `oreguard-sig` user property against the exact topic and payload bytes. Binding the
 * topic means signed bytes replayed under another sensor, gateway or site do not match. The
 * reason names the property and the fault; the comparison takes the same time whatever bytes differ.
 */
export function checkSignature(
  topic: string,
  payload: Uint8Array,
  userProperties: Record<string, string | string[]> | undefined,
  secret: string | Buffer,
): SignatureCheck {
  const given = userProperties?.[SIGNATURE_PROPERTY];
  if (given === undefined) return { ok: false, reason: `${SIGNATURE_PROPERTY}: missing` };
  if (Array.isArray(given)) {
    return { ok: false, reason: `${SIGNATURE_PROPERTY}: given ${given.length} times (one signature per message)` };
  }
  if (PAYLOAD_ONLY_TEXT.test(given)) {
    return {
      ok: false,
      reason: `${SIGNATURE_PROPERTY}: the payload-only form (sha256=<hex>) is refused; sign the topic, a newline and the payload as "v2 sha256=<hex>"`,
    };
  }
  const match = SIGNATURE_TEXT.exec(given);
  if (!match) return { ok: false, reason: `${SIGNATURE_PROPERTY}: not of the form v2 sha256=<64 hex digits>` };
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), messageMac(topic, payload, secret))) {
    return { ok: false, reason: `${SIGNATURE_PROPERTY}: does not match the topic and payload` };
  }
  return { ok: true };
}
