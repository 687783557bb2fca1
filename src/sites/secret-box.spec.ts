import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = 'aa'.repeat(32);

  it('opens what it sealed, for the same gateway', () => {
    expect(box.open(box.seal(secret, 'kolwezi-1/gw-1'), 'kolwezi-1/gw-1')).toBe(secret);
  });

  it('keeps nothing of the secret readable, and seals it differently each time', () => {
    const a = box.seal(secret, 'kolwezi-1/gw-1');
    const b = box.seal(secret, 'kolwezi-1/gw-1');
    expect(a).not.toContain(secret);
    expect(a).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(a).not.toBe(b);
  });

  it("does not open another gateway's sealed secret", () => {
    const sealed = box.seal(secret, 'kolwezi-1/gw-1');
    expect(() => box.open(sealed, 'kolwezi-1/gw-2')).toThrow();
  });

  it('does not open under another key, nor once tampered with', () => {
    const sealed = box.seal(secret, 'kolwezi-1/gw-1');
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'kolwezi-1/gw-1')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'kolwezi-1/gw-1')).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('32 bytes');
  });
});
