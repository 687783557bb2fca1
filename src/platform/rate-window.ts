/** Length of one rate-limit window: limits are set per minute. */
export const RATE_WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  /** Requests counted in the current window, this one included. */
  count: number;
  limit: number;
  /** Whole seconds until the window ends and the count starts again (at least 1). */
  retryAfterS: number;
}

/** The fixed window `nowMs` falls in: its number (part of the counter's key) and its end. */
export function rateWindow(nowMs: number): { id: number; endsAtMs: number } {
  const id = Math.floor(nowMs / RATE_WINDOW_MS);
  return { id, endsAtMs: (id + 1) * RATE_WINDOW_MS };
}

export function decide(count: number, limit: number, nowMs: number): RateDecision {
  const retryAfterS = Math.max(1, Math.ceil((rateWindow(nowMs).endsAtMs - nowMs) / 1000));
  return { allowed: count <= limit, count, limit, retryAfterS };
}
