import { Injectable } from '@nestjs/common';
import { Db } from 'src/database/db';

/** The address of the row that counts a username's failures from every address. */
const EVERY_ADDRESS = '*';

/** One throttle as admins see it: a username from one address, or from every address (`address: null`). */
export interface LoginThrottle {
  username: string;
  address: string | null;
  failures: number;
  lastFailureAt: Date | null;
  blockedUntil: Date | null;
}

/** A throttle as the API shows it. */
export function loginThrottleView(t: LoginThrottle) {
  return {
    username: t.username,
    address: t.address,
    failures: t.failures,
    lastFailureAt: t.lastFailureAt?.toISOString() ?? null,
    blockedUntil: t.blockedUntil?.toISOString() ?? null,
  };
}

interface ThrottleRow {
  username: string;
  address: string;
  failures: number;
  last_failure_at: Date | null;
  blocked_until: Date | null;
  succeeded_at: Date | null;
}

const toThrottle = (r: ThrottleRow): LoginThrottle => ({
  username: r.username,
  address: r.address === EVERY_ADDRESS ? null : r.address,
  failures: r.failures,
  lastFailureAt: r.last_failure_at,
  blockedUntil: r.blocked_until,
});

/**
 * Failed-login counts and the waits they impose, in PostgreSQL so every instance sees the
 * same: keyed on the username as typed (whether or not such an account exists) and the client
 * address, plus one row per username for every address together.
 */
@Injectable()
export class LoginThrottlesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Until when an attempt for `username` from `address` must wait, if it must: the later of
   * the two blocks. The every-address block is skipped from an address this username logged
   * in from since `knownSince`, so a guesser spread over many addresses cannot keep the real
   * user out of their usual place.
   */
  async blockedUntil(username: string, address: string, now: Date, knownSince: Date): Promise<Date | undefined> {
    const rows = await this.db.query<ThrottleRow>(
      'SELECT * FROM login_throttles WHERE username = $1 AND address IN ($2, $3)',
      [username, address, EVERY_ADDRESS],
    );
    const pair = rows.find((r) => r.address === address);
    const account = rows.find((r) => r.address === EVERY_ADDRESS);
    const known = pair?.succeeded_at != null && pair.succeeded_at >= knownSince;
    const blocks = [pair?.blocked_until, known ? null : account?.blocked_until].filter(
      (d): d is Date => d != null && d > now,
    );
    return blocks.length ? new Date(Math.max(...blocks.map((d) => d.getTime()))) : undefined;
  }

  /**
   * Counts a failure for the username from this address and from every address; a run is
   * forgotten when its last failure is older than `forgetBefore`. Returns the two counts.
   */
  async recordFailure(
    username: string,
    address: string,
    now: Date,
    forgetBefore: Date,
  ): Promise<{ address: number; account: number }> {
    const rows = await this.db.query<{ address: string; failures: number }>(
      `INSERT INTO login_throttles AS t (username, address, failures, last_failure_at)
       VALUES ($1, $2, 1, $4), ($1, $3, 1, $4)
       ON CONFLICT (username, address) DO UPDATE
         SET failures = CASE WHEN t.last_failure_at IS NULL OR t.last_failure_at < $5 THEN 1 ELSE t.failures + 1 END,
             blocked_until = CASE WHEN t.last_failure_at IS NULL OR t.last_failure_at < $5 THEN NULL ELSE t.blocked_until END,
             last_failure_at = $4
       RETURNING address, failures`,
      [username, address, EVERY_ADDRESS, now, forgetBefore],
    );
    return {
      address: rows.find((r) => r.address === address)?.failures ?? 1,
      account: rows.find((r) => r.address === EVERY_ADDRESS)?.failures ?? 1,
    };
  }

  /** Holds attempts back until `until` (never shortening a longer block); `address` undefined: from every address. */
  async block(username: string, address: string | undefined, until: Date): Promise<void> {
    await this.db.query(
      `UPDATE login_throttles SET blocked_until = GREATEST(COALESCE(blocked_until, $3), $3) WHERE username = $1 AND address = $2`,
      [username, address ?? EVERY_ADDRESS, until],
    );
  }

  /** A successful login clears its own address's count and remembers the address as known. */
  async recordSuccess(username: string, address: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO login_throttles AS t (username, address, succeeded_at) VALUES ($1, $2, $3)
       ON CONFLICT (username, address) DO UPDATE SET failures = 0, last_failure_at = NULL, blocked_until = NULL, succeeded_at = $3`,
      [username, address, now],
    );
  }

  /** Throttles with failures since `since`, most recent first (at most `limit`). */
  async list(since: Date, limit: number): Promise<LoginThrottle[]> {
    const rows = await this.db.query<ThrottleRow>(
      `SELECT * FROM login_throttles WHERE failures > 0 AND last_failure_at >= $1
        ORDER BY last_failure_at DESC, username, address LIMIT $2`,
      [since, limit],
    );
    return rows.map(toThrottle);
  }

  /** Forgets the failures and blocks of a username, from every address; returns how many throttles it cleared. */
  async clear(username: string): Promise<number> {
    const rows = await this.db.query(
      `UPDATE login_throttles SET failures = 0, last_failure_at = NULL, blocked_until = NULL
        WHERE username = $1 AND (failures > 0 OR blocked_until IS NOT NULL) RETURNING address`,
      [username],
    );
    return rows.length;
  }

  /** Drops rows that count nothing any more: no failure since `forgetBefore`, no success since `knownSince`. */
  async prune(now: Date, forgetBefore: Date, knownSince: Date): Promise<number> {
    const rows = await this.db.query(
      `DELETE FROM login_throttles
        WHERE (last_failure_at IS NULL OR last_failure_at < $1) AND (blocked_until IS NULL OR blocked_until < $3)
          AND (succeeded_at IS NULL OR succeeded_at < $2)
        RETURNING 1`,
      [forgetBefore, knownSince, now],
    );
    return rows.length;
  }
}
