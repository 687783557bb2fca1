import { pbkdf2Sync } from 'node:crypto';
import { mosquittoDynsecConfig, mosquittoPasswordHash } from './mosquitto-auth-files';

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
    expect(Buffer.from(hash, 'base64')).toEqual(
      pbkdf2Sync('gateway-password', Buffer.from(salt, 'base64'), 101, 64, 'sha512'),
    );
  });
});

describe('mosquittoDynsecConfig', () => {
  const gateways = [
    { username: 'kolwezi-1.gw-1', password: 'gateway-password-1', siteId: 'kolwezi-1', gatewayId: 'gw-1' },
    { username: 'tarkwa-2.gw-9', password: 'gateway-password-9', siteId: 'tarkwa-2', gatewayId: 'gw-9' },
  ];
  const config = mosquittoDynsecConfig('oreguard/v1', { username: 'oreguard', password: 'service-password' }, gateways);

  it('binds each gateway to its own client id and leaves the service account unbound (its slots share it)', () => {
    expect(config.clients.map((c) => [c.username, c.clientid])).toEqual([
      ['oreguard', undefined],
      ['kolwezi-1.gw-1', 'kolwezi-1.gw-1'],
      ['tarkwa-2.gw-9', 'tarkwa-2.gw-9'],
    ]);
  });

  it('keeps PBKDF2-SHA512 hashes, salted afresh, and no password', () => {
    const [service, gw1] = config.clients;
    expect(Buffer.from(gw1.salt, 'base64')).toHaveLength(12);
    expect(gw1.salt).not.toBe(service.salt);
    expect(Buffer.from(gw1.password, 'base64')).toEqual(
      pbkdf2Sync('gateway-password-1', Buffer.from(gw1.salt, 'base64'), 101, 64, 'sha512'),
    );
    expect(JSON.stringify(config)).not.toMatch(/service-password|gateway-password/);
  });

  it('lets each gateway write under its own topics and read its own acks only; the service reads all and writes acks', () => {
    const aclsOf = (username: string) => {
      const rolename = config.clients.find((c) => c.username === username)!.roles[0].rolename;
      return config.roles.find((r) => r.rolename === rolename)!.acls.map((a) => `${a.acltype} ${a.topic}`);
    };
    expect(aclsOf('oreguard')).toEqual([
      'subscribePattern oreguard/v1/#',
      'subscribePattern $share/+/oreguard/v1/#',
      'publishClientReceive oreguard/v1/#',
      'publishClientSend oreguard/v1/sites/+/gateways/+/acks',
      'subscribeLiteral $SYS/broker/uptime',
      'publishClientReceive $SYS/broker/uptime',
    ]);
    expect(aclsOf('tarkwa-2.gw-9')).toEqual([
      'publishClientSend oreguard/v1/sites/tarkwa-2/gateways/gw-9/#',
      'subscribeLiteral oreguard/v1/sites/tarkwa-2/gateways/gw-9/acks',
      'publishClientReceive oreguard/v1/sites/tarkwa-2/gateways/gw-9/acks',
    ]);
    expect(config.defaultACLAccess).toEqual({
      publishClientSend: false,
      publishClientReceive: false,
      subscribe: false,
      unsubscribe: true,
    });
  });

  it('refuses a prefix with a wildcard, and one username twice', () => {
    expect(() => mosquittoDynsecConfig('oreguard/#', { username: 'o', password: 'p' }, [])).toThrow('wildcard');
    expect(() =>
      mosquittoDynsecConfig('oreguard/v1', { username: 'o', password: 'p' }, [{ ...gateways[0], username: 'o' }]),
    ).toThrow('twice');
  });
});
