import { Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IncidentQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { IncidentsService } from './incidents.service';

@Controller('incidents')
@UseGuards(AuthGuard)
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.incidents.list(req.principal, parseRequest(IncidentQuerySchema, query, 'query'));
  }

  @Get(':id')
  get(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.incidents.get(req.principal, parseRequest(UuidParamSchema, id, 'params'));
  }
}
