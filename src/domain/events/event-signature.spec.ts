import { createHmac } from 'node:crypto';
import { checkSignature, signMessage } from './event-signature';

const SECRET = '4f1c0e9a7b3d2c5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6';
const TOPIC = 'oreguard/v1/sites/kolwezi-1/gateways/gw-1/suricata/ids-s1';
const payload = Buffer.from('{"eventId":"5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11","kind":"theft"}');

describe('checkSignature', () => {
  it('accepts the v2 HMAC-SHA256 of the exact topic, a newline and the exact payload under the secret', () => {
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': signMessage(TOPIC, payload, SECRET) }, SECRET)).toEqual({
      ok: true,
    });
  });

  it('accepts the hex in capitals too', () => {
    const sig = signMessage(TOPIC, payload, SECRET)
      .replace(/^v2 sha256=/, '')
      .toUpperCase();
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': `v2 sha256=${sig}` }, SECRET)).toEqual({ ok: true });
  });

  it('agrees with a signature computed independently (openssl dgst -sha256 -hmac)', () => {
    // printf 'oreguard/v1/sites/kolwezi-1/gateways/gw-1/events\n{"a":1}' | openssl dgst -sha256 -hmac key
    expect(signMessage('oreguard/v1/sites/kolwezi-1/gateways/gw-1/events', Buffer.from('{"a":1}'), 'key')).toBe(
      'v2 sha256=4f1ea76a2836f84900fa40eaa1069f70918ec364a99cf22afd216bcd021e1086',
    );
  });

  it('rejects an unsigned message', () => {
    expect(checkSignature(TOPIC, payload, undefined, SECRET)).toEqual({ ok: false, reason: 'oreguard-sig: missing' });
    expect(checkSignature(TOPIC, payload, { other: 'x' }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: missing',
    });
  });

  it('rejects a signature of other bytes: one space added to the payload is enough', () => {
    const sig = signMessage(TOPIC, Buffer.concat([payload, Buffer.from(' ')]), SECRET);
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': sig }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: does not match the topic and payload',
    });
  });

  it('rejects the same signed bytes under another topic: another sensor, gateway or site', () => {
    const sig = signMessage(TOPIC, payload, SECRET);
    for (const other of [
      TOPIC.replace('ids-s1', 'ids-s2'),
      TOPIC.replace('gw-1', 'gw-2'),
      TOPIC.replace('kolwezi-1', 'tarkwa-2'),
    ]) {
      expect(checkSignature(other, payload, { 'oreguard-sig': sig }, SECRET)).toEqual({
        ok: false,
        reason: 'oreguard-sig: does not match the topic and payload',
      });
    }
  });

  it('rejects the older payload-only form, even when its HMAC is right, saying so', () => {
    const payloadOnly = `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}`;
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': payloadOnly }, SECRET)).toEqual({
      ok: false,
      reason:
        'oreguard-sig: the payload-only form (sha256=<hex>) is refused; sign the topic, a newline and the payload as "v2 sha256=<hex>"',
    });
  });

  it("rejects a signature under another gateway's secret", () => {
    const sig = signMessage(TOPIC, payload, SECRET.replace(/^4/, '5'));
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': sig }, SECRET)).toMatchObject({ ok: false });
  });

  it.each([
    ['no version', signMessage(TOPIC, payload, SECRET).slice('v2 '.length).replace('sha256=', '')],
    ['another version', signMessage(TOPIC, payload, SECRET).replace('v2', 'v3')],
    ['another algorithm', signMessage(TOPIC, payload, SECRET).replace('sha256', 'sha1')],
    ['a short digest', signMessage(TOPIC, payload, SECRET).slice(0, 40)],
    ['not hex', `v2 sha256=${'z'.repeat(64)}`],
  ])('rejects a malformed signature (%s), saying what form it takes', (_, sig) => {
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': sig }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: not of the form v2 sha256=<64 hex digits>',
    });
  });

  it('rejects a property given twice', () => {
    const sig = signMessage(TOPIC, payload, SECRET);
    expect(checkSignature(TOPIC, payload, { 'oreguard-sig': [sig, sig] }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: given 2 times (one signature per message)',
    });
  });
});
