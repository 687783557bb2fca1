import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApplicationError } from 'src/platform/application-error';
import { AuthService } from './auth.service';
import type { Principal } from './principal';

/** A request past the guard: its caller, and the session (login) its token belongs to. */
export type AuthedRequest = Request & { principal: Principal & { sessionId: string } };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Every REST route but login, refresh and health requires a valid bearer token of an enabled
 * user whose session is live (checked in the database on each request, so a logout or a
 * revocation takes effect at the next request on every instance).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(request.headers.authorization);
    const principal = token ? await this.auth.verify(token) : undefined;
    if (!principal) throw new ApplicationError('auth.unauthenticated', 'A valid bearer token is required');
    request.principal = principal;
    return true;
  }
}
