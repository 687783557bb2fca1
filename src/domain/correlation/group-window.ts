import type { CompiledCorrelationRule } from './rule-set';
import { compareSignals, resolveMatch, type MatchState, type Signal } from './signal';
import { createEvaluator, type WindowEvaluator } from './window-evaluators';

/** What one change to a group did to its windows' verdicts. */
export interface VerdictChanges {
  /** Windows that became satisfied, in event-time order. */
  newlySatisfied: Signal[];
  /** Windows already satisfied whose start moved earlier (they now hold more events). */
  widened: Signal[];
  /** False when a signal landed before the newest one and the windows after it were replayed. */
  appended: boolean;
  /** Where the replay started (the new signal's position). */
  from: number;
}

/** A new or grown match of a group, before it becomes a MatchUpdate. */
export interface GroupMatchChange {
  match: MatchState;
  /** Signals newly counted in the match, or whose inner window grew. */
  signals: Signal[];
  absorbed: MatchState[];
}

/**
 * The signals of one correlation rule for one group (site + group-by values), in event-time
 * order, with the verdict of the window ending at each. Matches are the maximal runs of
 * satisfied windows that share signals: a further event extends a match, it does not open another.
 * Holds only signals that a window of a future, not-late event could still reach.
 */
export class GroupWindow {
  /**
   * In event-time order. An empty group starts a fresh array with its next signal: V8 gives an
   * array filled by push room for 17, and most groups (one per source address, say) never hold
   * more than a signal or two. Chained consumers hold the array as their inner signals, so a
   * non-empty one is only ever changed in place.
   */
  signals: Signal[] = [];
  /** Signals of a non-monotone rule waiting for the watermark to pass them (hold, takePending). */
  pending: readonly Signal[] = NO_SIGNALS;
  private head = 0;
  private readonly evaluator: WindowEvaluator;
  private readonly horizonMs: number;
  /** Newest satisfied signal: everything after it is not yet in a match. */
  private lastSatisfied: Signal | null = null;
  /** Signals before this time were shed in a storm (shed()); later ones behind it are not taken. */
  floor = -Infinity;

  constructor(
    readonly rule: CompiledCorrelationRule,
    readonly siteId: string,
    readonly values: Readonly<Record<string, string>>,
  ) {
    this.evaluator = createEvaluator(rule);
    this.horizonMs = rule.horizonMs;
  }

  /** Adds a signal in its event-time place and re-judges the windows it falls in. */
  add(signal: Signal): VerdictChanges {
    const n = this.signals.length;
    if (n === 0 || compareSignals(this.signals[n - 1], signal) <= 0) {
      if (n === 0) this.signals = [signal];
      else this.signals.push(signal);
      this.slideTo(signal.t);
      this.evaluator.add(signal);
      this.judge(signal);
      return { newlySatisfied: signal.sat ? [signal] : [], widened: [], appended: true, from: n };
    }
    let p = n - 1;
    while (p > 0 && compareSignals(this.signals[p - 1], signal) > 0) p--;
    this.signals.splice(p, 0, signal);
    return this.replayFrom(p);
  }

  /** Holds a signal of a non-monotone rule, in event-time order, until the watermark passes it. */
  hold(signal: Signal): void {
    if (this.pending.length === 0) {
      this.pending = [signal];
      return;
    }
    const pending = this.pending as Signal[];
    let p = pending.length;
    while (p > 0 && compareSignals(pending[p - 1], signal) > 0) p--;
    pending.splice(p, 0, signal);
  }

  /** The oldest held signal, taken out of pending. */
  takePending(): Signal {
    return (this.pending as Signal[]).shift()!;
  }

  /**
   * Re-judges every window from position p on, starting from an empty window at p's horizon:
   * windows before p cannot hold the new signal, and a verdict depends only on its window.
   */
  private replayFrom(p: number): VerdictChanges {
    const before = this.signals.slice(p).map((s) => ({ s, sat: s.sat, start: s.start }));
    this.evaluator.reset();
    const from = this.signals[p].t - this.horizonMs;
    let q = p;
    while (q > 0 && this.signals[q - 1].t >= from) q--;
    this.head = q;
    for (let k = q; k < this.signals.length; k++) {
      const s = this.signals[k];
      this.slideTo(s.t);
      this.evaluator.add(s);
      if (k >= p) this.judge(s);
    }
    const newlySatisfied: Signal[] = [];
    const widened: Signal[] = [];
    for (const { s, sat, start } of before) {
      if (s.sat && !sat) newlySatisfied.push(s);
      else if (s.sat && sat && start !== s.start) widened.push(s);
    }
    newlySatisfied.sort(compareSignals);
    this.lastSatisfied = null;
    for (let k = this.signals.length - 1; k >= 0; k--) {
      if (this.signals[k].sat) {
        this.lastSatisfied = this.signals[k];
        break;
      }
    }
    return { newlySatisfied, widened, appended: false, from: p };
  }

  private slideTo(t: number): void {
    const from = t - this.horizonMs;
    const signals = this.signals;
    while (this.head < signals.length && signals[this.head].t < from) {
      this.evaluator.remove(signals[this.head], signals[this.head + 1]);
      this.head++;
    }
  }

  private judge(s: Signal): void {
    s.sat = this.evaluator.satisfied(s.t);
    s.start = s.sat ? this.evaluator.start(this.signals[this.head]) : null;
  }

  /**
   * Fast path after an in-order signal: the signals of its window not yet in a match join the
   * match of the previous satisfied window if the two windows share a signal, else a new one.
   */
  matchAppended(signal: Signal, newMatch: (group: GroupWindow) => MatchState): GroupMatchChange | null {
    if (!signal.sat) return null;
    const start = signal.start!;
    const fresh: Signal[] = [];
    let j = this.signals.length - 1;
    while (j >= 0 && this.signals[j] !== this.lastSatisfied && compareSignals(this.signals[j], start) >= 0) {
      fresh.push(this.signals[j]);
      j--;
    }
    const previous = this.lastSatisfied;
    const continues =
      j >= 0 && previous !== null && this.signals[j] === previous && compareSignals(previous, start) >= 0;
    this.lastSatisfied = signal;
    const match = continues ? resolveMatch(previous.match!) : newMatch(this);
    fresh.reverse();
    for (const s of fresh) s.match = match;
    return { match, signals: fresh, absorbed: [] };
  }

  /**
   * Slow path after a replay (from the replayed position) or a grown inner window (from 0):
   * walks the satisfied windows in order, rebuilding the runs; a run that now bridges matches
   * merges them into the oldest. Runs that end before `from` cannot have changed.
   */
  rematch(newMatch: (group: GroupWindow) => MatchState, from = 0): GroupMatchChange[] {
    const changes: GroupMatchChange[] = [];
    const signals = this.signals;
    let fresh: Signal[] = [];
    let existing = new Set<MatchState>();
    let members: Signal[] = [];
    let open = false;
    // Resume from the last satisfied window before `from`: the run it ends may continue.
    let runEnd = -1;
    let ptr = 0;
    for (let k = Math.min(from, signals.length) - 1; k >= 0; k--) {
      if (!signals[k].sat) continue;
      runEnd = k;
      open = true;
      if (signals[k].match) existing.add(resolveMatch(signals[k].match!));
      ptr = k;
      while (ptr > 0 && compareSignals(signals[ptr - 1], signals[k].start!) >= 0) ptr--;
      break;
    }
    const close = () => {
      if (!open) return;
      open = false;
      let survivor: MatchState | null = null;
      for (const m of existing) if (!survivor || m.seq < survivor.seq) survivor = m;
      const absorbed = [...existing].filter((m) => m !== survivor);
      const match = survivor ?? newMatch(this);
      for (const m of absorbed) {
        m.mergedInto = match;
        match.firstAt = Math.min(match.firstAt, m.firstAt);
        match.lastAt = Math.max(match.lastAt, m.lastAt);
      }
      for (const s of members) s.match = match;
      const touched = fresh.concat(members.filter((s) => s.dirty && s.match !== null));
      if (touched.length > 0 || absorbed.length > 0) changes.push({ match, signals: touched, absorbed });
      fresh = [];
      existing = new Set();
      members = [];
    };
    for (let i = Math.max(from, runEnd + 1); i < signals.length; i++) {
      const s = signals[i];
      if (!s.sat) continue;
      while (ptr < i && compareSignals(signals[ptr], s.start!) < 0) ptr++;
      if (ptr > runEnd) close();
      open = true;
      for (let j = Math.max(ptr, runEnd + 1); j <= i; j++) {
        const m = signals[j];
        members.push(m);
        if (m.match) existing.add(resolveMatch(m.match));
        else fresh.push(m);
      }
      runEnd = i;
    }
    close();
    return changes;
  }

  /**
   * Storm limit: when the group holds more than `max` signals, keeps 90 % of `max` (so this runs
   * now and then, not on every signal): each referenced rule keeps its newest signals, the rules
   * with few keep all of theirs and the crowded ones share the rest. So a lone fence breach is
   * kept beside thousands of drone detections, and a temporal window still finds both. The
   * floor rises to the newest signal dropped: signals behind it are no longer taken. Returns
   * how many were dropped.
   */
  shed(max: number, keep = Math.floor(max * 0.9)): number {
    const signals = this.signals;
    if (signals.length <= max) return 0;
    const counts = new Array<number>(this.rule.refs.length).fill(0);
    for (const s of signals) counts[s.ref]++;
    const allowance = fairShares(counts, keep);
    const kept: Signal[] = [];
    let floor = this.floor;
    for (let i = signals.length - 1; i >= 0; i--) {
      const s = signals[i];
      if (allowance[s.ref] > 0) {
        allowance[s.ref]--;
        kept.push(s);
        continue;
      }
      floor = Math.max(floor, s.t);
      if (s === this.lastSatisfied) this.lastSatisfied = null;
      s.start = null;
      s.outs = null;
      s.claims = null;
    }
    const dropped = signals.length - kept.length;
    kept.reverse();
    // In place: chained consumers hold this very array as their inner signals.
    signals.length = 0;
    for (const s of kept) signals.push(s);
    this.floor = floor;
    for (let k = signals.length - 1; k >= 0 && !this.lastSatisfied; k--)
      if (signals[k].sat) this.lastSatisfied = signals[k];
    // The window of the newest signal, counted again over what is left.
    this.evaluator.reset();
    this.head = 0;
    if (signals.length === 0) return dropped;
    const newest = signals[signals.length - 1].t;
    let head = signals.length - 1;
    while (head > 0 && signals[head - 1].t >= newest - this.horizonMs) head--;
    this.head = head;
    for (let k = head; k < signals.length; k++) this.evaluator.add(signals[k]);
    return dropped;
  }

  /** Drops signals older than `before`; true when nothing is left. */
  evict(before: number): boolean {
    const signals = this.signals;
    let n = 0;
    while (n < signals.length && signals[n].t < before) n++;
    if (n > 0) {
      for (let i = this.head; i < n; i++) this.evaluator.remove(signals[i], signals[i + 1]);
      // Cut what an evicted signal points at: a kept signal may still name it as its window's
      // start, and a chain of such links would otherwise hold on to the whole history.
      for (let i = 0; i < n; i++) {
        const s = signals[i];
        s.start = null;
        s.outs = null;
        s.claims = null;
      }
      signals.splice(0, n);
      this.head = Math.max(0, this.head - n);
    }
    return signals.length === 0 && this.pending.length === 0;
  }
}

const NO_SIGNALS: readonly Signal[] = Object.freeze([]);

/**
 * Water-filling: shares of `total` for holders of `counts` items, each keeping at most its own
 * count; those with less than an even share keep all, the rest split what is left evenly.
 */
export function fairShares(counts: readonly number[], total: number): number[] {
  const allowance = new Array<number>(counts.length).fill(0);
  let left = total;
  const order = counts.map((n, i) => ({ n, i })).sort((a, b) => a.n - b.n);
  order.forEach(({ n, i }, k) => {
    allowance[i] = Math.min(n, Math.floor(left / (order.length - k)));
    left -= allowance[i];
  });
  return allowance;
}
