import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterRetrySchema } from './dead-letters.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

function queryParameters(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, object> };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

/** OpenAPI paths of the dead-letter API (spread into the document in src/platform/openapi.ts). */
export function deadLetterPaths() {
  return {
    '/dead-letters': {
      get: {
        summary:
          'Dead letters (admins): events whose fold job failed every attempt (events.fold_error), oldest first, by site, paged by cursor. ' +
          'Each item: id (the storage id a retry names), siteId, gatewayId, eventId, kind, occurredAt, storedAt, error',
        security: bearer,
        parameters: queryParameters(DeadLetterQuerySchema),
        responses: { 200: ok('{items, nextCursor}'), ...errors },
      },
    },
    '/dead-letters/retry': {
      post: {
        summary:
          'Retry dead letters (admins), once their cause is fixed: `{ids}` (at most 1000, as GET /dead-letters lists them) or `{siteId}` (all of a site). ' +
          'Clears fold_error and queues the events to fold again (the re-queue sweep folds them if Redis is away); failed jobs that held only retried events leave the queue. ' +
          'Audited as dead-letters.retried. Returns {retried, ids, queued}',
        security: bearer,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: z.toJSONSchema(DeadLetterRetrySchema, { io: 'input', unrepresentable: 'any' }) } },
        },
        responses: { 200: ok('What was retried'), ...errors },
      },
    },
  };
}
