import { pbkdf2Sync } from 'node:crypto';
import { mosquittoAclFile, mosquittoPasswordFile, mosquittoPasswordHash } from './mosquitto-auth-files';

describe('mosquittoPasswordHash', () => {
  it('matches what mosquitto_passwd 2.0 wrote for the same password and salt', () => {
    // mosquitto_passwd -c -b pwfile user pass  →  user:$7$101$hIIwCf6GXWx+hRfi$pjDX…
    const written =
      '$7$101$hIIwCf6GXWx+hRfi$pjDXlwGBFvSVKaM5au/Jj2S7Ok4AUbRJdwG2majsN+2+SsFA/pX400g47zfhXd6k/+X3bnx4dXKDeUiat7fsMw==';
    const salt = Buffer.from('hIIwCf6GXWx+hRfi', 'base64');

    expect(mosquittoPasswordHash('pass', { salt })).toBe(written);
  });

  it('salts each hash afresh, and the hash is PBKDF2-SHA512 of the password under that salt', () => {
    const a = mosquittoPasswordHash('gateway-password');
    const b = mosquittoPasswordHash('gateway-password');
    expect(a).not.toBe(b);

    const [, type, iterations, salt, hash] = a.split('$');
    expect([type, iterations]).toEqual(['7', '101']);
    expect(Buffer.from(salt, 'base64')).toHaveLength(12);
    expect(Buffer.from(hash, 'base64')).toEqual(pbkdf2Sync('gateway-password', Buffer.from(salt, 'base64'), 101, 64, 'sha512'));
  });
});

describe('mosquittoPasswordFile', () => {
  it('writes one username:hash line per account and no password', () => {
    const file = mosquittoPasswordFile([
      { username: 'oreguard', password: 'service-password' },
      { username: 'kolwezi-1.gw-1', password: 'gateway-password' },
    ]);

    expect(file).toMatch(/^oreguard:\$7\$101\$[^$]+\$[^$]+\nkolwezi-1\.gw-1:\$7\$101\$[^$]+\$[^$]+\n$/);
    expect(file).not.toContain('password');
  });

  it('refuses a username that would break the file', () => {
    expect(() => mosquittoPasswordFile([{ username: 'a:b', password: 'x' }])).toThrow('cannot go in a password file');
  });
});

describe('mosquittoAclFile', () => {
  it('lets each gateway write under its own topics and read its own acks only; the service reads all and writes acks', () => {
    const acl = mosquittoAclFile('oreguard/v1', 'oreguard', [
      { username: 'kolwezi-1.gw-1', siteId: 'kolwezi-1', gatewayId: 'gw-1' },
      { username: 'tarkwa-2.gw-9', siteId: 'tarkwa-2', gatewayId: 'gw-9' },
    ]);

    const blocks = acl.split('\n\n').slice(1).map((b) => b.trim());
    expect(blocks).toEqual([
      'user oreguard\ntopic read oreguard/v1/#\ntopic write oreguard/v1/sites/+/gateways/+/acks',
      'user kolwezi-1.gw-1\ntopic write oreguard/v1/sites/kolwezi-1/gateways/gw-1/#\ntopic read oreguard/v1/sites/kolwezi-1/gateways/gw-1/acks',
      'user tarkwa-2.gw-9\ntopic write oreguard/v1/sites/tarkwa-2/gateways/gw-9/#\ntopic read oreguard/v1/sites/tarkwa-2/gateways/gw-9/acks',
    ]);
  });

  it('refuses a prefix with a wildcard', () => {
    expect(() => mosquittoAclFile('oreguard/#', 'oreguard', [])).toThrow('wildcard');
  });
});
