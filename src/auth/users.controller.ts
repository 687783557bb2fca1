import { Body, Controller, Get, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { ApplicationError } from 'src/platform/application-error';
import { CreateUserSchema, UpdateUserSchema, UuidParamSchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { AuthGuard, type AuthedRequest } from './auth.guard';
import { AuthService } from './auth.service';
import type { Principal } from './principal';
import { UsersRepository, userView } from './users.repository';

function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins manage accounts');
}

/** Admin: accounts. A changed account's tokens and live sockets stop working at once. */
@Controller('users')
@UseGuards(AuthGuard)
export class UsersController {
  constructor(
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async list(@Req() req: AuthedRequest) {
    requireAdmin(req.principal);
    return { items: (await this.users.list()).map(userView) };
  }

  @Post()
  async create(@Req() req: AuthedRequest, @Body() body: unknown) {
    requireAdmin(req.principal);
    const input = parseRequest(CreateUserSchema, body, 'body');
    const user = await this.users.create({ ...input, passwordHash: await this.auth.hashPassword(input.password) });
    if (!user) throw new ApplicationError('resource.conflict', `username: ${input.username} is taken`);
    await this.audit.record({
      actor: req.principal,
      action: 'user.created',
      target: user.id,
      details: { username: user.username, role: user.role, siteIds: user.siteIds },
      ip: req.ip,
    });
    return userView(user);
  }

  @Patch(':id')
  async update(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    requireAdmin(req.principal);
    const userId = parseRequest(UuidParamSchema, id, 'params');
    const { password, ...rest } = parseRequest(UpdateUserSchema, body, 'body');
    const user = await this.users.update(userId, {
      ...rest,
      ...(password ? { passwordHash: await this.auth.hashPassword(password) } : {}),
    });
    if (!user) throw new ApplicationError('resource.not-found', `User ${userId} not found`);
    // What changed, never the password itself.
    await this.audit.record({
      actor: req.principal,
      action: 'user.updated',
      target: user.id,
      details: { username: user.username, ...rest, ...(password ? { passwordChanged: true } : {}) },
      ip: req.ip,
    });
    return userView(user);
  }
}
