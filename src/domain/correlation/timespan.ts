import { z } from 'zod';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A Sigma timespan: a number and a lowercase unit, `30s`, `15m`, `1h`, `2d` (`90m` for 1h30).
 * Parsed to milliseconds.
 */
export const TimespanSchema = z
  .string()
  .regex(/^[1-9]\d{0,6}[smhd]$/, 'a number and a unit s, m, h or d, such as 15m')
  .transform((text) => Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS]);

/** 900000 → "15m", 5400000 → "90m", 45000 → "45s": the way a rule writer would say it. */
export function formatTimespan(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
