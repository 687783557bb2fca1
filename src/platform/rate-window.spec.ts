import { decide, rateWindow } from './rate-window';

describe('the rate-limit window', () => {
  const t = (hhmmss: string, ms = 0) => Date.parse(`2026-11-29T${hhmmss}Z`) + ms;

  it('counts per calendar minute, so instances sharing a counter agree on the window', () => {
    expect(rateWindow(t('03:12:00')).id).toBe(rateWindow(t('03:12:59', 999)).id);
    expect(rateWindow(t('03:13:00')).id).toBe(rateWindow(t('03:12:59', 999)).id + 1);
  });

  it('allows up to the limit, then refuses until the minute ends', () => {
    expect(decide(120, 120, t('03:12:10'))).toMatchObject({ allowed: true });
    expect(decide(121, 120, t('03:12:10'))).toEqual({ allowed: false, count: 121, limit: 120, retryAfterS: 50 });
  });

  it('never tells a client to retry in less than a second', () => {
    expect(decide(500, 120, t('03:12:59', 900)).retryAfterS).toBe(1);
  });
});
