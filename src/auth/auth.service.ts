import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import { hashPassword, verifyPassword } from './password-hash';
import type { Principal } from './principal';
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
}

/** A hash verified against when the user does not exist, so timing does not reveal usernames. */
const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$XMXFAiKnSUKZExBsGP9pzA$GfD7dGTTSKOuUhiJlghobh3AJUlFDndC4o4yekXAQic';

const REFUSAL_MESSAGE: Record<RefreshRefusal, string> = {
  unknown: 'refreshToken: not a valid refresh token',
  expired: 'refreshToken: the session has expired; log in again',
  revoked: 'refreshToken: the session has ended; log in again',
  reused: 'refreshToken: already used; the session is revoked in case it was stolen. Log in again',
};

/** Refresh tokens are 256 random bits, so a fast hash is enough to keep the stored form useless. */
const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly jwt: JwtService;

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.jwt = new JwtService({ secret: config.auth.jwtSecret });
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

  /** Checks the password (with lockout) and opens a session; every attempt goes into the audit record. */
  async login(username: string, password: string, now: Date, ip?: string): Promise<IssuedTokens> {
    const user = await this.users.findByUsername(username);
    const failed = async (reason: 'locked' | 'unknown-user' | 'wrong-password' | 'disabled') => {
      await this.audit.record({
        actor: { userId: user?.id, username: username.slice(0, 64) },
        action: 'auth.login-failed',
        target: user?.id,
        details: { reason },
        ip,
      });
    };
    if (user?.lockedUntil && user.lockedUntil > now) {
      await failed('locked');
      throw new ApplicationError('auth.too-many-attempts', 'Too many failed logins: the account is locked for a while');
    }
    const valid = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (user && !valid) {
      const { maxFailures, lockMs } = this.config.auth;
      await this.users.recordFailedLogin(user.id, maxFailures, new Date(now.getTime() + lockMs));
    }
    if (!user || !valid || user.disabled) {
      this.logger.warn(`Failed login for ${JSON.stringify(username.slice(0, 64))}`);
      await failed(!user ? 'unknown-user' : !valid ? 'wrong-password' : 'disabled');
      throw new ApplicationError('auth.invalid-credentials', 'Invalid username or password');
    }
    await this.users.recordSuccessfulLogin(user.id);
    const refreshToken = newRefreshToken();
    const sessionId = await this.sessions.open(user.id, hashRefreshToken(refreshToken), this.refreshExpiry(now));
    await this.audit.record({ actor: { userId: user.id, username: user.username }, action: 'auth.login', target: user.id, ip });
    return this.issue(user, sessionId, refreshToken);
  }

  /** Exchanges a refresh token for a new access token and the next refresh token; the old one is spent. */
  async refresh(refreshToken: string, now: Date): Promise<IssuedTokens> {
    const next = newRefreshToken();
    const outcome = await this.sessions.rotate(hashRefreshToken(refreshToken), hashRefreshToken(next), now, this.refreshExpiry(now));
    if (!outcome.ok) {
      if (outcome.refusal === 'reused') this.logger.warn('A used refresh token was presented again: its session is revoked');
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
    return { accessToken, expiresIn, refreshToken, refreshExpiresIn: this.config.auth.refreshExpiresInS };
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.auth.refreshExpiresInS * 1000);
  }
}
