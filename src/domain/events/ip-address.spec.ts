import { IpAddressSchema } from './ip-address';

describe('IpAddressSchema', () => {
  it.each([
    ['10.20.4.17', '10.20.4.17'],
    ['fe80:0000:0000:0000:d4aa:8d54:3230:720b', 'fe80::d4aa:8d54:3230:720b'],
    ['FF02:0000:0000:0000:0000:0000:0001:0003', 'ff02::1:3'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
  ])('accepts %s as %s', (input, output) => {
    expect(IpAddressSchema.parse(input)).toBe(output);
  });

  it.each(['10.20.4.300', '10.20.4', '010.20.4.17', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', 'plc-crusher-3', ''])(
    'refuses %s',
    (input) => {
      expect(IpAddressSchema.safeParse(input).success).toBe(false);
    },
  );
});
