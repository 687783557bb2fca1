import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { backoffDelayMs, retryAfterSeconds } from 'src/domain/auth/login-backoff';
import { LoginThrottlesRepository } from './login-throttles.repository';

/** What one failure cost: the counts so far and the waits they now impose (0: none). */
export interface FailureCost {
  failuresFromAddress: number;
  failuresFromAll: number;
  addressWaitMs: number;
  accountWaitMs: number;
}

/**
 * Slows down whoever guesses a secret, never locking anyone out: user logins (keyed on the
 * username as typed) and partner authentication on /taxii2/ and /misp/ (keyed `partner:<name>`
 * or `partner-token:<id>`, partner-auth.guard.ts) go through the same steps. Failures are counted
 * per name and client address, and per name from every address (login_throttles, so every
 * instance sees the same); the first LOGIN_MAX_FAILURES (per address) and
 * LOGIN_ACCOUNT_MAX_FAILURES (every address) cost nothing, then each further one doubles the
 * wait from LOGIN_BACKOFF_BASE_MS up to LOGIN_BACKOFF_MAX_MS. A name that exists and one that
 * does not are counted alike, so the throttle tells nothing about which exist.
 */
@Injectable()
export class CredentialThrottle {
  constructor(
    private readonly throttles: LoginThrottlesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Seconds an attempt for `name` from `address` must still wait (Retry-After), or undefined.
   * The every-address wait does not apply from an address the name succeeded from lately, so a
   * guesser spread over many addresses cannot keep the real owner out of their usual place.
   */
  async retryAfterS(name: string, address: string, now: Date): Promise<number | undefined> {
    const knownSince = new Date(now.getTime() - this.config.auth.loginThrottle.knownAddressMs);
    const until = await this.throttles.blockedUntil(name, address, now, knownSince);
    return until ? retryAfterSeconds(until, now) : undefined;
  }

  /** Counts a failed attempt and makes the next ones wait when it was one too many. */
  async failed(name: string, address: string, now: Date): Promise<FailureCost> {
    const policy = this.config.auth.loginThrottle;
    const failures = await this.throttles.recordFailure(name, address, now, new Date(now.getTime() - policy.memoryMs));
    const addressWaitMs = backoffDelayMs(failures.address, {
      freeFailures: policy.addressFailures,
      baseMs: policy.baseMs,
      maxMs: policy.maxMs,
    });
    const accountWaitMs = backoffDelayMs(failures.account, {
      freeFailures: policy.accountFailures,
      baseMs: policy.baseMs,
      maxMs: policy.maxMs,
    });
    if (addressWaitMs > 0) await this.throttles.block(name, address, new Date(now.getTime() + addressWaitMs));
    if (accountWaitMs > 0) await this.throttles.block(name, undefined, new Date(now.getTime() + accountWaitMs));
    return { failuresFromAddress: failures.address, failuresFromAll: failures.account, addressWaitMs, accountWaitMs };
  }

  /** A success clears its own address's count and remembers the address as known. */
  succeeded(name: string, address: string, now: Date): Promise<void> {
    return this.throttles.recordSuccess(name, address, now);
  }
}
