import { Body, Controller, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { NoQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { postureFloorRoutes, postureRoutes } from './posture.routes';
import {
  FloorRequestSchema,
  FloorScopeSchema,
  PostureAckRequestSchema,
  PostureHistoryQuerySchema,
  PostureRequestSchema,
} from './posture.http';
import { PostureService } from './posture.service';

/** A site's threat posture: everyone who may see the site reads it; leads set it; its operators acknowledge it. */
@Controller()
@UseGuards(AuthGuard)
export class PostureController {
  constructor(private readonly posture: PostureService) {}

  @Route(postureRoutes.get)
  get(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.posture.get(req.principal, parseRequest(IdentifierSchema, siteId, 'params'));
  }

  @Route(postureRoutes.set)
  async set(
    @Req() req: AuthedRequest,
    @Param('siteId') siteId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: { status(code: number): void },
  ) {
    const result = await this.posture.set(
      req.principal,
      parseRequest(IdentifierSchema, siteId, 'params'),
      parseRequest(PostureRequestSchema, body, 'body'),
      req.ip,
    );
    res.status(result.status);
    return result.body;
  }

  @Route(postureRoutes.history)
  history(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Query() query: unknown) {
    return this.posture.history(
      req.principal,
      parseRequest(IdentifierSchema, siteId, 'params'),
      parseRequest(PostureHistoryQuerySchema, query, 'query'),
    );
  }

  @Route(postureRoutes.acknowledge)
  acknowledge(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Body() body: unknown) {
    const { changeId } = parseRequest(PostureAckRequestSchema, body, 'body');
    return this.posture.acknowledge(req.principal, parseRequest(IdentifierSchema, siteId, 'params'), changeId, req.ip);
  }

  @Route(postureRoutes.approve)
  approve(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Param('loweringId') loweringId: string) {
    return this.posture.approve(
      req.principal,
      parseRequest(IdentifierSchema, siteId, 'params'),
      parseRequest(UuidParamSchema, loweringId, 'params'),
      req.ip,
    );
  }
}

/** Admins set the floor a region's or the whole company's sites may not go below; leads read them. */
@Controller()
@UseGuards(AuthGuard)
export class PostureFloorsController {
  constructor(private readonly posture: PostureService) {}

  @Route(postureFloorRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.posture.listFloors(req.principal);
  }

  @Route(postureFloorRoutes.set)
  set(@Req() req: AuthedRequest, @Param('scope') scope: string, @Body() body: unknown) {
    return this.posture.setFloor(
      req.principal,
      parseRequest(FloorScopeSchema, scope, 'params'),
      parseRequest(FloorRequestSchema, body, 'body'),
      req.ip,
    );
  }
}
