import { Body, Controller, Get, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { NoQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { FloorRequestSchema, FloorScopeSchema, PostureAckRequestSchema, PostureHistoryQuerySchema, PostureRequestSchema } from './posture.http';
import { PostureService } from './posture.service';

/** A site's threat posture: everyone who may see the site reads it; leads set it; its operators acknowledge it. */
@Controller('sites/:siteId/posture')
@UseGuards(AuthGuard)
export class PostureController {
  constructor(private readonly posture: PostureService) {}

  @Get()
  get(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.posture.get(req.principal, parseRequest(IdentifierSchema, siteId, 'params'));
  }

  @Put()
  async set(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Body() body: unknown, @Res({ passthrough: true }) res: { status(code: number): void }) {
    const result = await this.posture.set(req.principal, parseRequest(IdentifierSchema, siteId, 'params'), parseRequest(PostureRequestSchema, body, 'body'), req.ip);
    res.status(result.status);
    return result.body;
  }

  @Get('history')
  history(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Query() query: unknown) {
    return this.posture.history(req.principal, parseRequest(IdentifierSchema, siteId, 'params'), parseRequest(PostureHistoryQuerySchema, query, 'query'));
  }

  @Post('acknowledge')
  acknowledge(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Body() body: unknown) {
    const { changeId } = parseRequest(PostureAckRequestSchema, body, 'body');
    return this.posture.acknowledge(req.principal, parseRequest(IdentifierSchema, siteId, 'params'), changeId, req.ip);
  }

  @Post('lowerings/:loweringId/approve')
  approve(@Req() req: AuthedRequest, @Param('siteId') siteId: string, @Param('loweringId') loweringId: string) {
    return this.posture.approve(req.principal, parseRequest(IdentifierSchema, siteId, 'params'), parseRequest(UuidParamSchema, loweringId, 'params'), req.ip);
  }
}

/** Admins set the floor a region's or the whole company's sites may not go below; leads read them. */
@Controller('posture-floors')
@UseGuards(AuthGuard)
export class PostureFloorsController {
  constructor(private readonly posture: PostureService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.posture.listFloors(req.principal);
  }

  @Put(':scope')
  set(@Req() req: AuthedRequest, @Param('scope') scope: string, @Body() body: unknown) {
    return this.posture.setFloor(req.principal, parseRequest(FloorScopeSchema, scope, 'params'), parseRequest(FloorRequestSchema, body, 'body'), req.ip);
  }
}
