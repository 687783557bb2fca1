import { fixTimeNear } from './fix-time';

const at = (iso: string) => new Date(iso);

describe('fixTimeNear', () => {
  it('places a fix in the hour it was heard', () => {
    expect(fixTimeNear(at('2026-11-29T02:12:45.000Z'), 7643).toISOString()).toBe('2026-11-29T02:12:44.300Z');
  });

  it('puts a fix from just before the hour, heard just after it, in the previous hour', () => {
    expect(fixTimeNear(at('2026-11-29T03:00:00.300Z'), 35998).toISOString()).toBe('2026-11-29T02:59:59.800Z');
  });

  it('puts a fix from just after the hour, heard just before it (receiver clock behind), in the next hour', () => {
    expect(fixTimeNear(at('2026-11-29T02:59:59.900Z'), 2).toISOString()).toBe('2026-11-29T03:00:00.200Z');
  });

  it('crosses midnight and the year as well', () => {
    expect(fixTimeNear(at('2027-01-01T00:00:01.000Z'), 35995).toISOString()).toBe('2026-12-31T23:59:59.500Z');
  });

  it('reads 36000 tenths as the full hour', () => {
    expect(fixTimeNear(at('2026-11-29T02:59:59.000Z'), 36000).toISOString()).toBe('2026-11-29T03:00:00.000Z');
  });

  it('resolves a fix exactly half an hour away to the earlier instant', () => {
    expect(fixTimeNear(at('2026-11-29T02:30:00.000Z'), 0).toISOString()).toBe('2026-11-29T02:00:00.000Z');
  });
});
