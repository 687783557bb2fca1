import { z } from 'zod';
import { describeValue } from './describe-value';
import { explainBadEventTime, parseEventTime } from './event-time';

const MAX_TIME_LENGTH = 64;

/** An ISO 8601 time with a zone offset, parsed to its UTC instant. */
export const ZonedTimeSchema = z
  .string()
  .max(MAX_TIME_LENGTH)
  .transform((text, ctx) => {
    const instant = parseEventTime(text);
    if (instant) return instant;
    ctx.addIssue({ code: 'custom', message: explainBadEventTime(text, describeValue(text)), input: text });
    return z.NEVER;
  });

/** The same check, keeping the text as written (Suricata's `timestamp` is part of its event id). */
export const ZonedTimeTextSchema = z
  .string()
  .max(MAX_TIME_LENGTH)
  .superRefine((text, ctx) => {
    if (parseEventTime(text) === null) {
      ctx.addIssue({ code: 'custom', message: explainBadEventTime(text, describeValue(text)), input: text });
    }
  });
