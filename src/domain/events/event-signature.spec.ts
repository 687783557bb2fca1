import { checkSignature, signPayload } from './event-signature';

const SECRET = '4f1c0e9a7b3d2c5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6';
const payload = Buffer.from('{"eventId":"5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11","kind":"theft"}');

describe('checkSignature', () => {
  it('accepts the HMAC-SHA256 of the exact payload bytes under the secret', () => {
    expect(checkSignature(payload, { 'oreguard-sig': signPayload(payload, SECRET) }, SECRET)).toEqual({ ok: true });
  });

  it('accepts the hex in capitals too', () => {
    const sig = signPayload(payload, SECRET).replace(/^sha256=/, '').toUpperCase();
    expect(checkSignature(payload, { 'oreguard-sig': `sha256=${sig}` }, SECRET)).toEqual({ ok: true });
  });

  it('agrees with a signature computed independently (openssl dgst -sha256 -hmac)', () => {
    // printf 'abc' | openssl dgst -sha256 -hmac key
    expect(signPayload(Buffer.from('abc'), 'key')).toBe('sha256=9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab');
  });

  it('rejects an unsigned event', () => {
    expect(checkSignature(payload, undefined, SECRET)).toEqual({ ok: false, reason: 'oreguard-sig: missing' });
    expect(checkSignature(payload, { other: 'x' }, SECRET)).toEqual({ ok: false, reason: 'oreguard-sig: missing' });
  });

  it('rejects a signature of other bytes: one space added to the payload is enough', () => {
    const sig = signPayload(Buffer.concat([payload, Buffer.from(' ')]), SECRET);
    expect(checkSignature(payload, { 'oreguard-sig': sig }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: does not match the payload',
    });
  });

  it("rejects a signature under another gateway's secret", () => {
    const sig = signPayload(payload, SECRET.replace(/^4/, '5'));
    expect(checkSignature(payload, { 'oreguard-sig': sig }, SECRET)).toMatchObject({ ok: false });
  });

  it.each([
    ['no algorithm', signPayload(payload, SECRET).slice('sha256='.length)],
    ['another algorithm', signPayload(payload, SECRET).replace('sha256', 'sha1')],
    ['a short digest', signPayload(payload, SECRET).slice(0, 40)],
    ['not hex', `sha256=${'z'.repeat(64)}`],
  ])('rejects a malformed signature (%s), saying what form it takes', (_, sig) => {
    expect(checkSignature(payload, { 'oreguard-sig': sig }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: not of the form sha256=<64 hex digits>',
    });
  });

  it('rejects a property given twice', () => {
    const sig = signPayload(payload, SECRET);
    expect(checkSignature(payload, { 'oreguard-sig': [sig, sig] }, SECRET)).toEqual({
      ok: false,
      reason: 'oreguard-sig: given 2 times (one signature per event)',
    });
  });
});
