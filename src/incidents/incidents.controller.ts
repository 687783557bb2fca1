import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { UsersRepository } from 'src/auth/users.repository';
import { transitions } from 'src/domain/incidents/transitions';
import { ApplicationError } from 'src/platform/application-error';
import { AssignSchema, IncidentQuerySchema, NoteSchema, ResolveSchema, UuidParamSchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { IncidentActionsService } from './incident-actions.service';
import { IncidentsService } from './incidents.service';

@Controller('incidents')
@UseGuards(AuthGuard)
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly actions: IncidentActionsService,
    private readonly users: UsersRepository,
  ) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.incidents.list(req.principal, parseRequest(IncidentQuerySchema, query, 'query'));
  }

  @Get(':id')
  get(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.incidents.get(req.principal, parseRequest(UuidParamSchema, id, 'params'));
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  acknowledge(@Req() req: AuthedRequest, @Param('id') id: string) {
    const by = req.principal.username;
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) => transitions.acknowledge(i, by, at));
  }

  @Post(':id/assign')
  @HttpCode(200)
  async assign(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { userId } = parseRequest(AssignSchema, body, 'body');
    if (!(await this.users.findById(userId))) throw new ApplicationError('request.invalid', `userId: no user ${userId}`);
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) => transitions.assign(i, userId, at));
  }

  @Post(':id/notes')
  @HttpCode(200)
  note(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { text } = parseRequest(NoteSchema, body, 'body');
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) => transitions.note(i, text, at));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  resolve(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { resolution, note } = parseRequest(ResolveSchema, body, 'body');
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.resolve(i, resolution, note, at),
    );
  }

  @Post(':id/reopen')
  @HttpCode(200)
  reopen(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) => transitions.reopen(i, at));
  }
}
