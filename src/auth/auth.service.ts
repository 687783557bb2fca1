import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import * as argon2 from 'argon2';
import { AuditService } from 'src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import type { Principal } from './principal';
import { UsersRepository } from './users.repository';

interface TokenClaims {
  sub: string;
  /** The user's token version when issued: a password, role or site change, or disabling, moves it on. */
  tv: number;
}

/** A hash verified against when the user does not exist, so timing does not reveal usernames. */
const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$XMXFAiKnSUKZExBsGP9pzA$GfD7dGTTSKOuUhiJlghobh3AJUlFDndC4o4yekXAQic';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly jwt: JwtService;

  constructor(
    private readonly users: UsersRepository,
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
    const hash = await this.hashPassword(admin.password);
    if (await this.users.createFirst(admin.username, hash, 'admin')) {
      this.logger.log(`Created the bootstrap admin account ${admin.username}`);
    }
  }

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /** Every attempt, successful or not, goes into the audit record with the caller's address. */
  async login(username: string, password: string, now: Date, ip?: string): Promise<{ accessToken: string; expiresIn: number }> {
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
    const valid = await argon2.verify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
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
    const expiresIn = this.config.auth.expiresInS;
    const accessToken = await this.jwt.signAsync({ sub: user.id, tv: user.tokenVersion } satisfies TokenClaims, { expiresIn });
    await this.audit.record({ actor: { userId: user.id, username: user.username }, action: 'auth.login', target: user.id, ip });
    return { accessToken, expiresIn };
  }

  /** The caller behind a token, read from the account as it is now; undefined if not valid. */
  async verify(token: string): Promise<(Principal & { expiresAt: number }) | undefined> {
    let claims: TokenClaims & { exp: number };
    try {
      claims = await this.jwt.verifyAsync(token);
    } catch {
      return undefined;
    }
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabled || user.tokenVersion !== claims.tv) return undefined;
    return { userId: user.id, username: user.username, role: user.role, siteIds: user.siteIds, expiresAt: claims.exp * 1000 };
  }
}
