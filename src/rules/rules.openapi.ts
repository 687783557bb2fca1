import { z } from 'zod';
import { BacktestBodySchema } from './rules.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

/** OpenAPI paths of the rules API (spread into the document in src/platform/openapi.ts). */
export function rulePaths() {
  return {
    '/rules': {
      get: {
        summary:
          'The correlation rules loaded from RULES_DIR at start (leads and admins): id, name, title, file, type (event or the correlation type), level, timespanMs, groupBy, rules referenced',
        security: bearer,
        responses: { 200: ok('{items: rules}'), ...errors },
      },
    },
    '/rules/backtest': {
      post: {
        summary:
          "Backtest (leads and admins): replays a site's stored events in [from, to] (at most 31 days; earlier events as far as the rules reach) through the loaded rules, or the candidate files in `rules`, read-only. Returns eventsReplayed, wouldOpen (matches with eventCount and their first event keys), existing (the site's incidents in the window) and byRule counts. A broken candidate set is a 400 whose details.problems name file, document, rule and field",
        security: bearer,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: z.toJSONSchema(BacktestBodySchema, { io: 'input', unrepresentable: 'any' }) } },
        },
        responses: { 200: ok('The backtest'), 404: error, ...errors },
      },
    },
  };
}
