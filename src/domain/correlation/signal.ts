/**
 * A signal is one match of a referenced rule, as a correlation sees it: an event matched by a
 * Sigma rule, or a window of another correlation that was satisfied (chains). Signals of a
 * group are kept in event-time order, which is what makes results independent of arrival order.
 */
export interface Signal {
  /** Event time in ms: the event's occurredAt, or the end of the inner window. */
  readonly t: number;
  /** The event's stable key (for an inner window: its last event's key); breaks ties in time. */
  readonly key: string;
  /** Which of the correlation's referenced rules produced it. */
  readonly ref: number;
  /**
   * value_count only: the value of the condition's field, read when the signal was made (the
   * signal keeps no reference to its event, so the engine's memory holds no event payloads).
   */
  readonly value: string | undefined;
  /** For a chained correlation: the inner signal whose satisfied window this stands for. */
  readonly inner: Signal | null;
  /** …and the inner group's signals, where that window's events are found. */
  readonly innerSignals: readonly Signal[] | null;

  /** Verdict of the window ending at this signal. */
  sat: boolean;
  /** First signal of that window, when satisfied. */
  start: Signal | null;
  /** The match this signal contributes to, once it does. */
  match: MatchState | null;
  /** Signals this one's satisfied window produced in consumers (chains). */
  outs: { signal: Signal; group: unknown }[] | null;
  /** Its inner window grew after it was marked: its events are collected again. */
  dirty: boolean;
  /** Outer matches that already collected this signal's events (chains), so walks stop early. */
  claims: MatchState[] | null;
}

/** A match while the engine still holds signals of it. Merged matches point at the survivor. */
export interface MatchState {
  readonly id: string;
  readonly seq: number;
  readonly group: Readonly<Record<string, string>>;
  /** The timeline sentence, made once per match. */
  readonly reason: string;
  firstAt: number;
  lastAt: number;
  mergedInto: MatchState | null;
}

export function newSignal(
  t: number,
  key: string,
  ref: number,
  value: string | undefined,
  inner: Signal | null = null,
  innerSignals: readonly Signal[] | null = null,
): Signal {
  return {
    t,
    key,
    ref,
    value,
    inner,
    innerSignals,
    sat: false,
    start: null,
    match: null,
    outs: null,
    dirty: false,
    claims: null,
  };
}

/** Event-time order; ties by key, then by referenced rule. */
export function compareSignals(a: Signal, b: Signal): number {
  if (a.t !== b.t) return a.t - b.t;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.ref - b.ref;
}

export function resolveMatch(match: MatchState): MatchState {
  let m = match;
  while (m.mergedInto) m = m.mergedInto;
  let n = match;
  while (n.mergedInto && n.mergedInto !== m) {
    const next: MatchState = n.mergedInto;
    n.mergedInto = m;
    n = next;
  }
  return m;
}
