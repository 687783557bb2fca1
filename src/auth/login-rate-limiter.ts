/**
 * At most `perMinute` login attempts per client address in any sliding minute, counted in
 * this process (each instance counts its own; the failed-login throttle is shared through the database).
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Records an attempt at `now` (ms); when the address is over its allowance, how long until it may try again (ms). */
  allow(address: string, now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const since = now - 60_000;
    const recent = (this.attempts.get(address) ?? []).filter((t) => t > since);
    if (recent.length >= this.perMinute) {
      this.attempts.set(address, recent);
      return { allowed: false, retryAfterMs: (recent[recent.length - this.perMinute] as number) + 60_000 - now };
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 10_000) this.forgetIdle(since);
    return { allowed: true };
  }

  private forgetIdle(since: number): void {
    for (const [address, times] of this.attempts) {
      if (times.every((t) => t <= since)) this.attempts.delete(address);
    }
  }
}
