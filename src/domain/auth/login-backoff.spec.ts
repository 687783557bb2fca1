import { backoffDelayMs, retryAfterSeconds } from './login-backoff';

describe('the login backoff', () => {
  const policy = { freeFailures: 5, baseMs: 1000, maxMs: 60_000 };

  it('lets a user mistype a few times for free, then doubles the wait with each further failure', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map((n) => backoffDelayMs(n, policy))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never waits longer than the cap, however long the guessing goes on', () => {
    expect(backoffDelayMs(11, policy)).toBe(60_000);
    expect(backoffDelayMs(10_000, policy)).toBe(60_000);
  });

  it('asks for at least one whole second', () => {
    const now = new Date('2026-12-05T08:00:00.000Z');
    expect(retryAfterSeconds(new Date('2026-12-05T08:00:00.200Z'), now)).toBe(1);
    expect(retryAfterSeconds(new Date('2026-12-05T08:00:02.001Z'), now)).toBe(3);
  });
});
