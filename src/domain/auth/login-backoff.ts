/**
 * How long failed logins hold further attempts back. Failures are counted per key (a username
 * from one client address, and a username from every address); the first `freeFailures` of a
 * run cost nothing, then each further failure doubles the wait, up to `maxMs`.
 */
export interface BackoffPolicy {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
}

/** The wait the `failures`-th failure in a row imposes, in ms; 0 while it is among the free ones. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeFailures) return 0;
  const doublings = failures - policy.freeFailures;
  // 2^doublings overflows nothing below 2^1023; past ~50 it is far beyond any sensible maxMs anyway.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(doublings, 50));
}

/** Whole seconds a client should wait (Retry-After), at least 1. */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
