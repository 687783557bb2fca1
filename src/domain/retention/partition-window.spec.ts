import { partitionWindow } from './partition-window';

describe('partitionWindow', () => {
  it('runs from the start of the UTC day to aheadDays after now', () => {
    const window = partitionWindow(new Date('2026-12-05T10:44:14.500Z'), 7);
    expect(window.from.toISOString()).toBe('2026-12-05T00:00:00.000Z');
    expect(window.until.toISOString()).toBe('2026-12-12T10:44:14.500Z');
  });

  it('covers now itself at midnight exactly', () => {
    const now = new Date('2026-12-06T00:00:00.000Z');
    const window = partitionWindow(now, 1);
    expect(window.from.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(window.until.getTime()).toBeGreaterThan(now.getTime());
  });
});
