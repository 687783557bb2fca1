import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { CredentialThrottle } from './credential-throttle';
import { LoginThrottlesRepository } from './login-throttles.repository';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password-hash';
import type { Principal, Role } from './principal';
import { SessionsRepository, type RefreshRefusal } from './sessions.repository';
import { UsersRepository, type User } from './users.repository';

interface TokenClaims {
  sub: string;
  /** The user's token version when issued: a password, role or site change, or disabling, moves it on. */
  tv: number;
  /** The session (login) the token belongs to: logging out revokes it. */
  sid: string;
}

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  /** Opaque; exchanged once at POST /auth/refresh for a new pair. */
  refreshToken: string;
  refreshExpiresIn: number;
  /** The account's role when issued, for a console to know what to offer; every request is checked anyway. */
  role: Role;
}

const REFUSAL_MESSAGE: Record<RefreshRefusal, string> = {
  unknown: 'refreshToken: not a valid refresh token',
  expired: 'refreshToken: the session has expired; log in again',
  revoked: 'refreshToken: the session has ended; log in again',
  reused: 'refreshToken: already used; the session is revoked in case it was stolen. Log in again',
};

/** How often stale login throttles are deleted. */
const THROTTLE_PRUNE_INTERVAL_MS = 10 * 60_000;

/** Refresh tokens are 256 random bits, so a fast hash is enough to keep the stored form useless. */
const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

@Injectable()
export class AuthService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuthService.name);
  private readonly jwt: JwtService;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttles: LoginThrottlesRepository,
    private readonly throttle: CredentialThrottle,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.jwt = new JwtService({ secret: config.auth.jwtSecret });
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.pruneThrottles(), THROTTLE_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** Creates the bootstrap admin from the environment if no user exists yet. */
  async bootstrapAdmin(): Promise<void> {
    if (this.config.auth.jwtSecretGenerated) {
      this.logger.warn('JWT_SECRET is not set: using a random key for this run; tokens end with the process');
    }
    const admin = this.config.auth.bootstrapAdmin;
    if (!admin) return;
    const hash = await hashPassword(admin.password);
    if (await this.users.createFirst(admin.username, hash, 'admin')) {
      this.logger.log(`Created the bootstrap admin account ${admin.username}`);
    }
  }

  /**
   * Checks the password and opens a session; every attempt goes into the audit record.
   * Failures slow the guesser down (per username and address, and per username from every
   * address but the user's known ones) and never lock the account. A name that exists and
   * one that does not go through the same steps, queries and hashing, and get the same
   * answers: 401 for a failure, 429 with Retry-After while throttled.
   */
  async login(username: string, password: string, now: Date, ip?: string): Promise<IssuedTokens> {
    const address = ip ?? 'unknown';
    const name = username.slice(0, 64);
    const retryAfterS = await this.throttle.retryAfterS(username, address, now);
    if (retryAfterS !== undefined) {
      this.logger.warn(`Throttled a login for ${JSON.stringify(name)} from ${address} (${retryAfterS} s to wait)`);
      await this.audit.record({
        actor: { username: name },
        action: 'auth.login-throttled',
        details: { retryAfterS },
        ip,
      });
      throw new ApplicationError('auth.too-many-attempts', `Too many failed logins: try again in ${retryAfterS} s`, {
        retryAfterS,
      });
    }
    const user = await this.users.findByUsername(username);
    const valid = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !valid || user.disabled) {
      const reason = !user ? 'unknown-user' : !valid ? 'wrong-password' : 'disabled';
      const { failuresFromAddress, failuresFromAll, addressWaitMs, accountWaitMs } = await this.throttle.failed(
        username,
        address,
        now,
      );
      this.logger.warn(`Failed login for ${JSON.stringify(name)} from ${address}`);
      await this.audit.record({
        actor: { userId: user?.id, username: name },
        action: 'auth.login-failed',
        target: user?.id,
        details: {
          reason,
          failuresFromAddress,
          failuresFromAll,
          ...(addressWaitMs > 0 && { addressWaitS: Math.ceil(addressWaitMs / 1000) }),
          ...(accountWaitMs > 0 && { allAddressesWaitS: Math.ceil(accountWaitMs / 1000) }),
        },
        ip,
      });
      throw new ApplicationError('auth.invalid-credentials', 'Invalid username or password');
    }
    await this.throttle.succeeded(username, address, now);
    const refreshToken = newRefreshToken();
    const sessionId = await this.sessions.open(user.id, hashRefreshToken(refreshToken), this.refreshExpiry(now));
    await this.audit.record({
      actor: { userId: user.id, username: user.username },
      action: 'auth.login',
      target: user.id,
      ip,
    });
    return this.issue(user, sessionId, refreshToken);
  }

  /** Exchanges a refresh token for a new access token and the next refresh token; the old one is spent. */
  async refresh(refreshToken: string, now: Date): Promise<IssuedTokens> {
    const next = newRefreshToken();
    const outcome = await this.sessions.rotate(
      hashRefreshToken(refreshToken),
      hashRefreshToken(next),
      now,
      this.refreshExpiry(now),
    );
    if (!outcome.ok) {
      if (outcome.refusal === 'reused')
        this.logger.warn('A used refresh token was presented again: its session is revoked');
      throw new ApplicationError('auth.unauthenticated', REFUSAL_MESSAGE[outcome.refusal]);
    }
    const user = await this.users.findById(outcome.userId);
    if (!user || user.disabled) {
      await this.sessions.revoke(outcome.sessionId, 'account disabled');
      throw new ApplicationError('auth.unauthenticated', REFUSAL_MESSAGE.revoked);
    }
    return this.issue(user, outcome.sessionId, next);
  }

  /** Ends the session: its tokens are refused from the next request on, and its sockets close. */
  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'logout');
  }

  /** The caller behind a token, read from the account and session as they are now; undefined if not valid. */
  async verify(token: string): Promise<(Principal & { expiresAt: number; sessionId: string }) | undefined> {
    let claims: TokenClaims & { exp: number };
    try {
      claims = await this.jwt.verifyAsync(token);
    } catch {
      return undefined;
    }
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string') return undefined;
    const user = await this.users.findBySession(claims.sub, claims.sid);
    if (!user || user.disabled || user.tokenVersion !== claims.tv) return undefined;
    return {
      userId: user.id,
      username: user.username,
      role: user.role,
      siteIds: user.siteIds,
      expiresAt: claims.exp * 1000,
      sessionId: claims.sid,
    };
  }

  /**
   * The user a correctly signed, unexpired token names, without asking the database: enough
   * to count requests per user (a forged token cannot spend someone else's allowance).
   */
  tokenSubject(token: string): string | undefined {
    try {
      const claims = this.jwt.verify<TokenClaims>(token);
      return typeof claims.sub === 'string' ? claims.sub : undefined;
    } catch {
      return undefined;
    }
  }

  private async issue(user: User, sessionId: string, refreshToken: string): Promise<IssuedTokens> {
    const expiresIn = this.config.auth.expiresInS;
    const claims: TokenClaims = { sub: user.id, tv: user.tokenVersion, sid: sessionId };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn });
    return {
      accessToken,
      expiresIn,
      refreshToken,
      refreshExpiresIn: this.config.auth.refreshExpiresInS,
      role: user.role,
    };
  }

  private async pruneThrottles(): Promise<void> {
    const now = this.clock.now();
    const { memoryMs, knownAddressMs } = this.config.auth.loginThrottle;
    try {
      await this.throttles.prune(now, new Date(now.getTime() - memoryMs), new Date(now.getTime() - knownAddressMs));
    } catch (error) {
      this.logger.warn(`Could not prune login throttles: ${(error as Error).message}`);
    }
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.auth.refreshExpiresInS * 1000);
  }
}
