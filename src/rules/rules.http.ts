import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { TimeParamSchema } from 'src/platform/query.schemas';

/** The longest window a REST backtest replays: bounds one request's work. */
export const MAX_BACKTEST_WINDOW_MS = 31 * 24 * 3600 * 1000;

/** POST /rules/backtest: a window of a site's stored events, and optionally candidate rule files. */
export const BacktestBodySchema = z
  .strictObject({
    siteId: IdentifierSchema,
    from: TimeParamSchema,
    to: TimeParamSchema,
    rules: z
      .array(z.strictObject({ name: storableText().trim().min(1).max(200), text: storableText().max(256 * 1024) }))
      .min(1)
      .max(100)
      .optional(),
  })
  // Zod runs these even when a time failed to parse: judge the window only when both are times.
  .refine((b) => !(b.from instanceof Date && b.to instanceof Date) || b.to > b.from, {
    path: ['to'],
    message: 'must be after from',
  })
  .refine(
    (b) =>
      !(b.from instanceof Date && b.to instanceof Date) || b.to.getTime() - b.from.getTime() <= MAX_BACKTEST_WINDOW_MS,
    { path: ['to'], message: 'the window may span at most 31 days' },
  );
export type BacktestBody = z.infer<typeof BacktestBodySchema>;

/** A loaded rule as GET /rules shows it (ruleView): a detection (`type: event`) or a correlation. */
export const RuleViewSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    title: z.string(),
    file: z.string(),
    reported: z.boolean().meta({ description: 'Its matches open or escalate incidents (not only feed correlations)' }),
    type: z
      .string()
      .meta({ description: 'event, or the correlation type (event_count, value_count, temporal, temporal_ordered…)' }),
    level: z.string().optional(),
    zoneBlind: z.boolean().optional(),
    timespanMs: z.number().optional(),
    groupBy: z.array(z.string()).optional(),
    rules: z.array(z.string()).optional().meta({ description: 'The rules a correlation refers to' }),
  })
  .meta({ id: 'Rule' });

export const BacktestResultSchema = z
  .object({
    siteId: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    eventsReplayed: z.int().min(0),
    rules: z.array(z.string()),
    wouldOpen: z.array(
      z.object({
        ruleId: z.string(),
        title: z.string(),
        severity: z.string(),
        group: z.unknown(),
        firstAt: z.iso.datetime(),
        lastAt: z.iso.datetime(),
        eventCount: z.int(),
        eventKeys: z.array(z.unknown()).meta({ description: 'The first events of the match' }),
        reason: z.unknown(),
      }),
    ),
    existing: z.array(
      z.object({
        id: z.uuid(),
        title: z.string(),
        severity: z.string(),
        status: z.string(),
        ruleIds: z.array(z.string()),
        eventCount: z.int(),
        firstSeenAt: z.iso.datetime(),
        lastSeenAt: z.iso.datetime(),
      }),
    ),
    byRule: z.record(z.string(), z.object({ wouldOpen: z.int(), existing: z.int() })),
  })
  .meta({ id: 'BacktestResult' });
