import { pageOf } from 'src/platform/page.http';
import { route } from 'src/platform/route-contract';
import { DeadLetterQuerySchema, DeadLetterRetrySchema, DeadLetterSchema, RetriedSchema } from './dead-letters.http';

export const deadLetterRoutes = {
  list: route({
    method: 'get',
    path: '/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'Dead letters: events whose fold job failed every attempt (events.fold_error), oldest first, by site',
    tags: ['operations'],
    auth: 'bearer',
    roles: ['admin'],
    query: DeadLetterQuerySchema,
    responses: {
      200: {
        description: 'A page of dead letters',
        schema: pageOf(DeadLetterSchema),
        example: {
          items: [
            {
              id: 90211,
              siteId: 'kolwezi-1',
              gatewayId: 'gw-north',
              eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
              kind: 'drone',
              occurredAt: '2026-11-29T02:12:44.120Z',
              storedAt: '2026-11-29T02:12:44.480Z',
              error: 'could not obtain lock on row in relation "incidents"',
            },
          ],
          nextCursor: null,
        },
      },
    },
  }),
  retry: route({
    method: 'post',
    path: '/dead-letters/retry',
    operationId: 'retryDeadLetters',
    summary: 'Retry dead letters, once their cause is fixed: `{ids}` (at most 1000) or `{siteId}` (all of a site)',
    description:
      'Clears fold_error and queues the events to fold again (the re-queue sweep folds them if Redis is away); failed jobs that ' +
      'held only retried events leave the queue. Audited as dead-letters.retried.',
    tags: ['operations'],
    auth: 'bearer',
    roles: ['admin'],
    body: DeadLetterRetrySchema,
    responses: {
      200: {
        description: 'What was retried',
        schema: RetriedSchema,
        example: { retried: 1, ids: [90211], queued: true },
      },
    },
  }),
};
