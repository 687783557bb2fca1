import { explainBadEventTime, parseEventTime } from './event-time';

describe('parseEventTime', () => {
  it.each([
    ['2026-11-29T03:12:44.120+01:00', '2026-11-29T02:12:44.120Z'],
    ['2026-11-29T03:12:44.120345+0100', '2026-11-29T02:12:44.120Z'],
    ['2026-11-29T02:12:44Z', '2026-11-29T02:12:44.000Z'],
    ['2026-11-28T21:12:44.5-05:00', '2026-11-29T02:12:44.500Z'],
    ['2026-11-29T02:12:44.123456789Z', '2026-11-29T02:12:44.123Z'],
    ['2026-11-29T07:42:44+05:30', '2026-11-29T02:12:44.000Z'],
    ['2026-11-29T02:12:44-0000', '2026-11-29T02:12:44.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseEventTime(text)?.toISOString()).toBe(iso);
  });

  it('truncates digits beyond the millisecond rather than rounding', () => {
    expect(parseEventTime('2026-11-29T02:12:44.999999+0000')?.toISOString()).toBe('2026-11-29T02:12:44.999Z');
  });

  it('reads a two-digit year as that year, not 19xx', () => {
    expect(parseEventTime('0050-06-01T00:00:00Z')?.getUTCFullYear()).toBe(50);
  });

  it.each([
    ['no zone', '2026-11-29T03:12:44.120'],
    ['month 13', '2026-13-29T03:12:44Z'],
    ['30 February', '2026-02-30T03:12:44Z'],
    ['29 February in a common year', '2026-02-29T03:12:44Z'],
    ['29 February 1900', '1900-02-29T03:12:44Z'],
    ['31 April', '2026-04-31T03:12:44Z'],
    ['day 0', '2026-11-00T03:12:44Z'],
    ['hour 24', '2026-11-29T24:00:00Z'],
    ['minute 60', '2026-11-29T03:60:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['offset hour 24', '2026-11-29T03:12:44+24:00'],
    ['offset minute 60', '2026-11-29T03:12:44+01:60'],
    ['no seconds', '2026-11-29T03:12Z'],
    ['a date only', '2026-11-29'],
    ['ten fraction digits', '2026-11-29T03:12:44.1234567890Z'],
    ['an empty fraction', '2026-11-29T03:12:44.Z'],
    ['a space for T', '2026-11-29 03:12:44Z'],
    ['lowercase z', '2026-11-29T03:12:44z'],
    ['an hour-only offset', '2026-11-29T03:12:44+01'],
    ['a zone name', '2026-11-29T03:12:44 Africa/Lubumbashi'],
    ['RFC 2822', 'Sun, 29 Nov 2026 03:12:44 +0100'],
    ['epoch seconds', '1795923164'],
    ['trailing text', '2026-11-29T03:12:44Z garbage'],
    ['the empty string', ''],
  ])('refuses %s', (_name, text) => {
    expect(parseEventTime(text)).toBeNull();
  });

  it('explains a well-formed but impossible time differently from a malformed one', () => {
    expect(explainBadEventTime('2026-02-30T00:00:00Z', '"x"')).toBe('"x" is not a real date and time');
    expect(explainBadEventTime('2026-02-20T00:00:00', '"x"')).toBe('"x" is not an ISO 8601 time with a zone offset');
  });
});
