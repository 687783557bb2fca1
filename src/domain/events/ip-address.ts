import { z } from 'zod';

/**
 * An IPv4 or IPv6 address. IPv6 is rewritten to its compressed lowercase form, so
 * `fe80:0000:0000:0000:0211:22ff:fe33:4455` as Suricata writes it and `fe80::211:22ff:fe33:4455`
 * from a gateway are the same address when events are correlated.
 */
export const IpAddressSchema = z
  .union([z.ipv4(), z.ipv6()])
  .transform((address) => (address.includes(':') ? compressIpv6(address) : address));

export function compressIpv6(address: string): string {
  try {
    // The WHATWG URL parser serialises an IPv6 host compressed and in lowercase.
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
