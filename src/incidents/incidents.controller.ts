import { Body, Controller, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { once } from 'node:events';
import { AuditService } from 'src/audit/audit.service';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { UsersRepository } from 'src/auth/users.repository';
import { transitions } from 'src/domain/incidents/transitions';
import { ApplicationError } from 'src/platform/application-error';
import {
  AssignSchema,
  IncidentExportQuerySchema,
  IncidentQuerySchema,
  NoBodySchema,
  NoQuerySchema,
  NoteSchema,
  ResolveSchema,
  UuidParamSchema,
} from 'src/platform/query.schemas';
import { exportHeader, exportLine } from './incident-export';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { IncidentActionsService } from './incident-actions.service';
import { IncidentEvidenceService } from './incident-evidence.service';
import { incidentRoutes } from './incidents.routes';
import { IncidentsService } from './incidents.service';

@Controller()
@UseGuards(AuthGuard)
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly actions: IncidentActionsService,
    private readonly users: UsersRepository,
    private readonly evidence: IncidentEvidenceService,
    private readonly audit: AuditService,
  ) {}

  @Route(incidentRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.incidents.list(req.principal, parseRequest(IncidentQuerySchema, query, 'query'));
  }

  /** Streams every incident the filters select (no page limit) as CSV or NDJSON. Declared before :id. */
  @Route(incidentRoutes.export)
  async export(@Req() req: AuthedRequest, @Query() query: unknown, @Res() res: Response): Promise<void> {
    const { format, ...filters } = parseRequest(IncidentExportQuerySchema, query, 'query');
    const write = async (text: string) => {
      if (!res.write(text)) await once(res, 'drain');
    };
    // The response starts once the first page is read (a small one: the first byte comes soon), so
    // a refusal (scope, a bad filter) is still a proper error response; the audit record before it.
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      await this.audit.record({
        actor: req.principal,
        action: 'incidents.exported',
        details: { format, filters },
        ip: req.ip,
      });
      res.status(200);
      res.setHeader(
        'Content-Type',
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      );
      res.setHeader('Content-Disposition', `attachment; filename="incidents.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      await write(exportHeader(format));
    };
    await this.incidents.export(req.principal, filters, async (incident) => {
      await start();
      await write(exportLine(format, incident));
    });
    await start();
    res.end();
  }

  @Route(incidentRoutes.get)
  get(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.incidents.get(req.principal, parseRequest(UuidParamSchema, id, 'params'));
  }

  /** The incident's timeline hash chain, recomputed: intact, or the first broken entry and why. */
  @Route(incidentRoutes.verify)
  verify(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.evidence.verify(req.principal, parseRequest(UuidParamSchema, id, 'params'));
  }

  /** The evidence bundle (scripts/verify-evidence.ts checks it offline). */
  @Route(incidentRoutes.evidence)
  evidenceBundle(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.evidence.evidence(req.principal, parseRequest(UuidParamSchema, id, 'params'), req.ip);
  }

  @Route(incidentRoutes.acknowledge)
  acknowledge(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    parseRequest(NoBodySchema, body, 'body');
    const by = req.principal.username;
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.acknowledge(i, by, at),
    );
  }

  @Route(incidentRoutes.assign)
  async assign(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { userId } = parseRequest(AssignSchema, body, 'body');
    if (!(await this.users.findById(userId)))
      throw new ApplicationError('request.invalid', `userId: no user ${userId}`);
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.assign(i, userId, at),
    );
  }

  @Route(incidentRoutes.note)
  note(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { text } = parseRequest(NoteSchema, body, 'body');
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.note(i, text, at),
    );
  }

  @Route(incidentRoutes.resolve)
  resolve(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { resolution, note } = parseRequest(ResolveSchema, body, 'body');
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.resolve(i, resolution, note, at),
    );
  }

  @Route(incidentRoutes.reopen)
  reopen(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    parseRequest(NoBodySchema, body, 'body');
    return this.actions.apply(req.principal, parseRequest(UuidParamSchema, id, 'params'), (i, at) =>
      transitions.reopen(i, at),
    );
  }
}
