import { errorResponse } from 'src/platform/error.http';
import { EventQuerySchema, RejectedQuerySchema } from 'src/platform/query.schemas';
import { pageOf } from 'src/platform/page.http';
import { route } from 'src/platform/route-contract';
import { EVENT_EXAMPLE, EventSchema, RejectedEventSchema } from './events.http';

/** A cursor into partitions retention has dropped (details: field, cursorAt, keptFrom). */
const CURSOR_GONE = errorResponse(
  'The cursor points before the oldest time still kept: retention has dropped what it would list',
);

export const eventRoutes = {
  list: route({
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary: 'Accepted events, newest (by event time) first',
    tags: ['events'],
    auth: 'bearer',
    scope: 'operators: their own sites',
    query: EventQuerySchema,
    responses: {
      200: {
        description: 'A page of events',
        schema: pageOf(EventSchema),
        example: { items: [EVENT_EXAMPLE], nextCursor: null },
      },
      410: CURSOR_GONE,
    },
  }),
  listRejected: route({
    method: 'get',
    path: '/rejected-events',
    operationId: 'listRejectedEvents',
    summary: 'Rejected input, newest first',
    tags: ['events'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: RejectedQuerySchema,
    responses: {
      200: {
        description: 'A page of rejected events',
        schema: pageOf(RejectedEventSchema),
        example: {
          items: [
            {
              id: '412',
              receivedAt: '2026-11-29T02:13:01.002Z',
              topic: 'oreguard/v1/sites/kolwezi-1/gateways/gw-north/events',
              reason: 'payload.occurredAt: missing',
              payload: '{"eventId":"5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e12","kind":"drone"}',
            },
          ],
          nextCursor: null,
        },
      },
      410: CURSOR_GONE,
    },
  }),
};
