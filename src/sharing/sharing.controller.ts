import { Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { UuidParamSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { sharingRoutes } from './sharing.routes';
import { HeldQuerySchema } from './sharing.http';
import { SharingReleaseService } from './sharing-release.service';

/** Leads: what waits for release, and the release (audited). */
@Controller()
@UseGuards(AuthGuard)
export class SharingController {
  constructor(private readonly release: SharingReleaseService) {}

  @Route(sharingRoutes.held)
  held(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.release.held(req.principal, parseRequest(HeldQuerySchema, query, 'query'));
  }

  @Route(sharingRoutes.release)
  releaseIncident(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.release.release(req.principal, parseRequest(UuidParamSchema, id, 'params'), req.ip);
  }
}
