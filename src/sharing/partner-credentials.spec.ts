import { acceptsTaxii, partnerThrottleName } from './partner-auth.guard';
import { partnerCredentials, partnerToken } from './partner-credentials';

const ID = '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

describe('partner credentials', () => {
  it('reads HTTP Basic as name and secret, a secret holding colons included', () => {
    const header = `Basic ${Buffer.from('allied-csirt:s3:cr:et').toString('base64')}`;
    expect(partnerCredentials(header)).toEqual({ by: 'name', name: 'allied-csirt', secret: 's3:cr:et' });
  });

  it('reads a partner bearer token as id and secret, and nothing from a user token', () => {
    expect(partnerCredentials(`Bearer ${partnerToken(ID, 'abc_-123')}`)).toEqual({
      by: 'id',
      id: ID,
      secret: 'abc_-123',
    });
    expect(partnerCredentials('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBeUndefined();
    expect(partnerCredentials(undefined)).toBeUndefined();
    expect(partnerCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
  });
});

describe('TAXII content negotiation', () => {
  it.each([
    [undefined, true],
    ['application/taxii+json;version=2.1', true],
    ['application/taxii+json', true],
    ['application/json, application/taxii+json; version=2.1', true],
    ['application/taxii+json;version=2.0', false],
    ['application/json', false],
    ['*/*', false],
  ])('Accept %s → %s', (accept, ok) => expect(acceptsTaxii(accept)).toBe(ok));

  it('counts failures under the name or id given, and a name no partner could have under a short digest', () => {
    expect(partnerThrottleName({ by: 'name', name: 'allied-csirt', secret: 'x' })).toBe('partner:allied-csirt');
    expect(partnerThrottleName({ by: 'id', id: ID, secret: 'x' })).toBe(`partner-token:${ID}`);
    const odd = partnerThrottleName({ by: 'name', name: `nul\u0000${'x'.repeat(5000)}`, secret: 'x' });
    expect(odd).toMatch(/^partner:#[0-9a-f]{32}$/);
    expect(partnerThrottleName({ by: 'name', name: 'nul\u0000', secret: 'x' })).not.toBe(odd);
  });
});
