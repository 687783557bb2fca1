import { DNS_NAMESPACE, OREGUARD_NAMESPACE, URL_NAMESPACE, uuidV5 } from './uuid-v5';

describe('uuidV5', () => {
  it('matches the published vector for www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('matches the RFC 9562 appendix vector', () => {
    expect(uuidV5('www.example.com', '6BA7B810-9DAD-11D1-80B4-00C04FD430C8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('hashes names as UTF-8', () => {
    expect(uuidV5('kolwezi-1/gw-éast', OREGUARD_NAMESPACE)).not.toBe(uuidV5('kolwezi-1/gw-east', OREGUARD_NAMESPACE));
  });

  it('sets version 5 and the RFC variant', () => {
    expect(uuidV5('anything', OREGUARD_NAMESPACE)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('keeps OreGuard namespace the one derived from its URL, so derived event ids never change', () => {
    expect(uuidV5('https://oreguard.io/ns/event-id', URL_NAMESPACE)).toBe(OREGUARD_NAMESPACE);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/namespace/);
  });
});
