import { errorResponse } from 'src/platform/error.http';
import { listOf } from 'src/platform/page.http';
import { route } from 'src/platform/route-contract';
import { BacktestBodySchema, BacktestResultSchema, RuleViewSchema } from './rules.http';

export const ruleRoutes = {
  list: route({
    method: 'get',
    path: '/rules',
    operationId: 'listRules',
    summary: 'The correlation rules loaded from RULES_DIR at start',
    description:
      'id, name, title, file, type (event or the correlation type), level, timespanMs, groupBy, rules referenced.',
    tags: ['rules'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    responses: {
      200: {
        description: 'The rules',
        schema: listOf(RuleViewSchema),
        example: {
          items: [
            {
              id: 'drone-over-fence',
              title: 'Drone over the fence line',
              file: 'drone.yml',
              reported: false,
              type: 'event',
              level: 'high',
              zoneBlind: false,
            },
            {
              id: 'coordinated-intrusion',
              title: 'Drone overflight with perimeter breach',
              file: 'coordinated.yml',
              reported: true,
              type: 'temporal',
              level: 'critical',
              timespanMs: 600000,
              groupBy: ['siteId'],
              rules: ['drone-over-fence', 'fence-cut'],
            },
          ],
        },
      },
    },
  }),
  backtest: route({
    method: 'post',
    path: '/rules/backtest',
    operationId: 'backtestRules',
    summary: "Replay a site's stored events through the loaded rules, or candidate rule files, read-only",
    description:
      'Replays the events of [from, to] (at most 31 days; earlier events as far as the rules reach) through the loaded rules, or the ' +
      'candidate files in `rules`. Returns eventsReplayed, wouldOpen (matches with eventCount and their first event keys), existing ' +
      "(the site's incidents in the window) and byRule counts. A broken candidate set is a 400 whose details.problems name file, " +
      'document, rule and field.',
    tags: ['rules'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    body: BacktestBodySchema,
    responses: {
      200: {
        description: 'The backtest',
        schema: BacktestResultSchema,
        example: {
          siteId: 'kolwezi-1',
          from: '2026-11-28T00:00:00.000Z',
          to: '2026-11-29T00:00:00.000Z',
          eventsReplayed: 1820,
          rules: ['drone-over-fence', 'coordinated-intrusion'],
          wouldOpen: [],
          existing: [],
          byRule: { 'coordinated-intrusion': { wouldOpen: 0, existing: 0 } },
        },
      },
      404: errorResponse('No such site'),
    },
  }),
};
