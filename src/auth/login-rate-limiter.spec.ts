import { LoginRateLimiter } from './login-rate-limiter';

describe('the login rate limit', () => {
  it('allows perMinute attempts per address in a sliding minute, then refuses until the oldest ages out', () => {
    const limiter = new LoginRateLimiter(3);
    const allowed = (address: string, t: number) => limiter.allow(address, t).allowed;
    expect([0, 10_000, 20_000].map((t) => allowed('10.0.0.1', t))).toEqual([true, true, true]);
    expect(limiter.allow('10.0.0.1', 30_000)).toEqual({ allowed: false, retryAfterMs: 30_000 });
    expect(allowed('10.0.0.2', 30_000)).toBe(true);
    expect(allowed('10.0.0.1', 60_001)).toBe(true);
    expect(limiter.allow('10.0.0.1', 60_002)).toEqual({ allowed: false, retryAfterMs: 9_998 });
  });
});
