import { z } from 'zod';
import { SEVERITIES, SeveritySchema, type Severity } from '../events/canonical-event.schema';

/** How long an incident of each severity may stay unacknowledged, in ms; null: it never escalates. */
export type EscalationLimits = Readonly<Record<Severity, number | null>>;

/** Out of the box: nothing waits on an `info`; the more severe, the sooner someone is chased. */
export const DEFAULT_ESCALATION_LIMITS = 'info=off,low=4h,medium=1h,high=15m,critical=5m';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** "90s" → 90000, "15m" → 900000, "off" → null; undefined when the text is neither. */
export function parseLimit(text: string): number | null | undefined {
  if (text === 'off') return null;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

/** 900000 → "15m", 5400000 → "90m", 1500 → "1500ms": the largest unit that divides it. */
export function formatLimit(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Limits written as `severity=duration` pairs, comma-separated: "low=4h,medium=1h,high=15m".
 * A duration is a whole number of ms, s, m, h or d, or `off`. A severity not named never
 * escalates, so what is written is all that happens; `off` alone turns escalation off.
 */
export const EscalationLimitsSchema = z.string().transform((text, ctx): EscalationLimits => {
  const limits: Record<Severity, number | null> = Object.fromEntries(SEVERITIES.map((s) => [s, null])) as Record<
    Severity,
    number | null
  >;
  if (text.trim() === 'off') return limits;
  const seen = new Set<string>();
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value, extra] = pair.split('=').map((p) => p.trim());
    const severity = SeveritySchema.safeParse(name);
    if (!severity.success || value === undefined || extra !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${pair}": expected severity=duration, severity one of ${SEVERITIES.join(', ')}`,
      });
      return z.NEVER;
    }
    if (seen.has(severity.data)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}": ${severity.data} is named twice` });
      return z.NEVER;
    }
    seen.add(severity.data);
    const limit = parseLimit(value);
    if (limit === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${pair}": a duration is a positive whole number with ms, s, m, h or d (90s, 15m, 4h), or off`,
      });
      return z.NEVER;
    }
    limits[severity.data] = limit;
  }
  return limits;
});
