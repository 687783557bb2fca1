import { Body, Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApplicationError } from 'src/platform/application-error';
import {
  CreateUserSchema,
  LoginUsernameParamSchema,
  NoQuerySchema,
  UpdateUserSchema,
  UuidParamSchema,
} from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { AuthGuard, type AuthedRequest } from './auth.guard';
import { userRoutes } from './auth.routes';
import type { Principal } from './principal';
import { UserAccountsService } from './user-accounts.service';
import { loginThrottleView } from './login-throttles.repository';
import { userView } from './users.repository';

function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins manage accounts');
}

/** Admin: accounts. A changed account's tokens and live sockets stop working at once. */
@Controller()
@UseGuards(AuthGuard)
export class UsersController {
  constructor(private readonly accounts: UserAccountsService) {}

  @Route(userRoutes.list)
  async list(@Req() req: AuthedRequest, @Query() query: unknown) {
    requireAdmin(req.principal);
    parseRequest(NoQuerySchema, query, 'query');
    return { items: (await this.accounts.list()).map(userView) };
  }

  /** Failed-login throttles: usernames tried (existing or not), per address and from every address. */
  @Route(userRoutes.loginThrottles)
  async loginThrottles(@Req() req: AuthedRequest, @Query() query: unknown) {
    requireAdmin(req.principal);
    parseRequest(NoQuerySchema, query, 'query');
    return { items: (await this.accounts.loginThrottles()).map(loginThrottleView) };
  }

  /** Forgets a username's failed logins and lifts its waits, from every address. */
  @Route(userRoutes.clearLoginThrottles)
  async clearLoginThrottles(@Req() req: AuthedRequest, @Param('username') username: string) {
    requireAdmin(req.principal);
    const name = parseRequest(LoginUsernameParamSchema, username, 'params');
    return this.accounts.clearLoginThrottles(name, req.principal, req.ip);
  }

  @Route(userRoutes.create)
  async create(@Req() req: AuthedRequest, @Body() body: unknown) {
    requireAdmin(req.principal);
    const user = await this.accounts.create(parseRequest(CreateUserSchema, body, 'body'), req.principal, req.ip);
    return userView(user);
  }

  @Route(userRoutes.update)
  async update(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    requireAdmin(req.principal);
    const userId = parseRequest(UuidParamSchema, id, 'params');
    return userView(
      await this.accounts.update(userId, parseRequest(UpdateUserSchema, body, 'body'), req.principal, req.ip),
    );
  }
}
