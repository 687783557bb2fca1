import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { AuditService, type AuditActor } from 'src/audit/audit.service';
import { ApplicationError } from 'src/platform/application-error';
import type { CreateUserSchema, UpdateUserSchema } from 'src/platform/query.schemas';
import { LoginThrottlesRepository, type LoginThrottle } from './login-throttles.repository';
import { hashPassword } from './password-hash';
import { UsersRepository, type User } from './users.repository';

/** Most throttles one listing shows (the most recent). */
const MAX_THROTTLES_LISTED = 500;

export type CreateUserInput = z.infer<typeof CreateUserSchema>;
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>;

/**
 * Account management as both the REST API (admins) and the CLI do it: the same checked
 * input (CreateUserSchema, UpdateUserSchema), the same hashing, the same revocation and the
 * same audit entries (who did it: the admin, or the CLI's operating-system user).
 */
@Injectable()
export class UserAccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly throttles: LoginThrottlesRepository,
  ) {}

  async create(input: CreateUserInput, actor: AuditActor, ip?: string): Promise<User> {
    const user = await this.users.create({ ...input, passwordHash: await hashPassword(input.password) });
    if (!user) throw new ApplicationError('resource.conflict', `username: ${input.username} is taken`);
    await this.audit.record({
      actor,
      action: 'user.created',
      target: user.id,
      details: { username: user.username, role: user.role, siteIds: user.siteIds },
      ip,
    });
    return user;
  }

  /** A new password, role, sites or disabling revoke the account's tokens and close its sockets everywhere. */
  async update(userId: string, input: UpdateUserInput, actor: AuditActor, ip?: string): Promise<User> {
    const { password, ...rest } = input;
    const user = await this.users.update(userId, {
      ...rest,
      ...(password ? { passwordHash: await hashPassword(password) } : {}),
    });
    if (!user) throw new ApplicationError('resource.not-found', `User ${userId} not found`);
    // What changed, never the password itself.
    await this.audit.record({
      actor,
      action: 'user.updated',
      target: user.id,
      details: { username: user.username, ...rest, ...(password ? { passwordChanged: true } : {}) },
      ip,
    });
    return user;
  }

  async byUsername(username: string): Promise<User> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new ApplicationError('resource.not-found', `username: no user ${username}`);
    return user;
  }

  list(): Promise<User[]> {
    return this.users.list();
  }

  /** Usernames (existing or not) with failed logins counted, per address and from every address; most recent first. */
  loginThrottles(): Promise<LoginThrottle[]> {
    return this.throttles.list(new Date(0), MAX_THROTTLES_LISTED);
  }

  /** Forgets a username's failed logins and lifts its waits, from every address; audited. */
  async clearLoginThrottles(
    username: string,
    actor: AuditActor,
    ip?: string,
  ): Promise<{ username: string; cleared: number }> {
    const cleared = await this.throttles.clear(username);
    await this.audit.record({ actor, action: 'auth.login-throttle-cleared', details: { username, cleared }, ip });
    return { username, cleared };
  }
}
