import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApplicationError } from 'src/platform/application-error';
import { AuthService } from './auth.service';
import type { Principal } from './principal';

export type AuthedRequest = Request & { principal: Principal };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Every REST route but login and health requires a valid bearer token of an enabled user. */
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
