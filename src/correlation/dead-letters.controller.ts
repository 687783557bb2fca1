import { Body, Controller, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { deadLetterRoutes } from './dead-letters.routes';
import { DeadLetterQuerySchema, DeadLetterRetrySchema } from './dead-letters.http';
import { DeadLettersService } from './dead-letters.service';

/** Admins list the dead-lettered folds and retry them once the cause is fixed. */
@Controller()
@UseGuards(AuthGuard)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Route(deadLetterRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.deadLetters.list(req.principal, parseRequest(DeadLetterQuerySchema, query, 'query'));
  }

  @Route(deadLetterRoutes.retry)
  retry(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.deadLetters.retry(req.principal, parseRequest(DeadLetterRetrySchema, body, 'body'), req.ip);
  }
}
