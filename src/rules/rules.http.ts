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
  .refine((b) => !(b.from instanceof Date && b.to instanceof Date) || b.to > b.from, { path: ['to'], message: 'must be after from' })
  .refine(
    (b) => !(b.from instanceof Date && b.to instanceof Date) || b.to.getTime() - b.from.getTime() <= MAX_BACKTEST_WINDOW_MS,
    { path: ['to'], message: 'the window may span at most 31 days' },
  );
export type BacktestBody = z.infer<typeof BacktestBodySchema>;
