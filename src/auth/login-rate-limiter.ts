/**
 * At most `perMinute` login attempts per client address in any sliding minute, counted in
 * this process (each instance counts its own; the account lockout is shared through the database).
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Records an attempt at `now` (ms); false when the address is over its allowance. */
  allow(address: string, now: number): boolean {
    const since = now - 60_000;
    const recent = (this.attempts.get(address) ?? []).filter((t) => t > since);
    if (recent.length >= this.perMinute) {
      this.attempts.set(address, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 10_000) this.forgetIdle(since);
    return true;
  }

  private forgetIdle(since: number): void {
    for (const [address, times] of this.attempts) {
      if (times.every((t) => t <= since)) this.attempts.delete(address);
    }
  }
}
