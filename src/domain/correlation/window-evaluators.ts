import type { CompiledCorrelationRule } from './rule-set';
import type { CountCondition } from './rule.schema';
import type { Signal } from './signal';

/**
 * Decides whether the window ending at the newest signal satisfies a correlation. The window
 * holds the group's signals within the rule's horizon before that signal; `add` and `remove`
 * keep it, `satisfied` judges it. Every verdict depends only on the signals inside the window,
 * so replaying a window from scratch gives the same verdict as having followed it all along.
 */
export interface WindowEvaluator {
  add(signal: Signal): void;
  /** `signal` leaves the window; `next` is the one after it, if any. */
  remove(signal: Signal, next: Signal | undefined): void;
  satisfied(now: number): boolean;
  /** First signal of the satisfied window (`head` is the window's oldest signal). */
  start(head: Signal): Signal;
  reset(): void;
}

export function meets(bounds: CountCondition, n: number): boolean {
  return (
    (bounds.gt === undefined || n > bounds.gt) &&
    (bounds.gte === undefined || n >= bounds.gte) &&
    (bounds.lt === undefined || n < bounds.lt) &&
    (bounds.lte === undefined || n <= bounds.lte) &&
    (bounds.eq === undefined || n === bounds.eq)
  );
}

export function createEvaluator(rule: CompiledCorrelationRule): WindowEvaluator {
  const c = rule.condition;
  if (c.kind === 'duration') return new DurationEvaluator(rule.timespanMs, c.minMs);
  switch (rule.correlationType) {
    case 'event_count':
      return rule.refs.length === 1 ? new EventCountEvaluator(c.bounds) : new DistinctKeyCountEvaluator(c.bounds);
    case 'value_count':
      return new ValueCountEvaluator(c.bounds);
    case 'temporal':
      return new TemporalEvaluator(c.bounds, rule.refs.length);
    case 'temporal_ordered':
      return new OrderedEvaluator(rule.refs.length, rule.timespanMs);
    default:
      throw new Error(`no evaluator for ${rule.correlationType}`);
  }
}

/** event_count over one rule: every signal is one event. */
class EventCountEvaluator implements WindowEvaluator {
  private n = 0;
  constructor(private readonly bounds: CountCondition) {}
  add(): void {
    this.n++;
  }
  remove(): void {
    this.n--;
  }
  satisfied(): boolean {
    return meets(this.bounds, this.n);
  }
  start(head: Signal): Signal {
    return head;
  }
  reset(): void {
    this.n = 0;
  }
}

/** event_count over several rules: an event that two of them match counts once. */
class DistinctKeyCountEvaluator implements WindowEvaluator {
  private readonly keys = new Map<string, number>();
  constructor(private readonly bounds: CountCondition) {}
  add(s: Signal): void {
    this.keys.set(s.key, (this.keys.get(s.key) ?? 0) + 1);
  }
  remove(s: Signal): void {
    const n = this.keys.get(s.key)! - 1;
    if (n === 0) this.keys.delete(s.key);
    else this.keys.set(s.key, n);
  }
  satisfied(): boolean {
    return meets(this.bounds, this.keys.size);
  }
  start(head: Signal): Signal {
    return head;
  }
  reset(): void {
    this.keys.clear();
  }
}

/**
 * value_count: distinct values of the field; a signal without the field counts nothing. The
 * first value is counted inline and only further ones in a Map: most groups (one per source
 * address, say) see a single value, and a Map costs some 250 bytes even when nearly empty.
 * A value is counted in one place only: inline while `first` holds it, else in `others`.
 */
class ValueCountEvaluator implements WindowEvaluator {
  private first: string | undefined = undefined;
  private firstCount = 0;
  private others: Map<string, number> | null = null;
  constructor(private readonly bounds: CountCondition) {}
  add(s: Signal): void {
    const v = s.value;
    if (v === undefined) return;
    if (this.firstCount > 0 && v === this.first) {
      this.firstCount++;
    } else if (this.others?.has(v)) {
      this.others.set(v, this.others.get(v)! + 1);
    } else if (this.firstCount === 0) {
      this.first = v;
      this.firstCount = 1;
    } else {
      (this.others ??= new Map()).set(v, 1);
    }
  }
  remove(s: Signal): void {
    const v = s.value;
    if (v === undefined) return;
    if (this.firstCount > 0 && v === this.first) {
      if (--this.firstCount === 0) this.first = undefined;
      return;
    }
    const n = this.others!.get(v)! - 1;
    if (n === 0) this.others!.delete(v);
    else this.others!.set(v, n);
  }
  satisfied(): boolean {
    return meets(this.bounds, (this.firstCount > 0 ? 1 : 0) + (this.others?.size ?? 0));
  }
  start(head: Signal): Signal {
    return head;
  }
  reset(): void {
    this.first = undefined;
    this.firstCount = 0;
    this.others = null;
  }
}

/** temporal: how many of the referenced rules matched in the window (default: all of them). */
class TemporalEvaluator implements WindowEvaluator {
  private readonly perRule: number[];
  private distinct = 0;
  constructor(
    private readonly bounds: CountCondition,
    ruleCount: number,
  ) {
    this.perRule = new Array<number>(ruleCount).fill(0);
  }
  add(s: Signal): void {
    if (this.perRule[s.ref]++ === 0) this.distinct++;
  }
  remove(s: Signal): void {
    if (--this.perRule[s.ref] === 0) this.distinct--;
  }
  satisfied(): boolean {
    return meets(this.bounds, this.distinct);
  }
  start(head: Signal): Signal {
    return head;
  }
  reset(): void {
    this.perRule.fill(0);
    this.distinct = 0;
  }
}

/**
 * temporal_ordered: the rules matched in the order listed, all within the timespan. For each
 * prefix of the list it keeps the latest start time of a chain matching that prefix in order,
 * so each signal costs O(1). A chain never uses one event twice.
 */
class OrderedEvaluator implements WindowEvaluator {
  private readonly latestStart: number[];
  private readonly lastKey: (string | null)[];
  constructor(
    private readonly ruleCount: number,
    private readonly timespanMs: number,
  ) {
    this.latestStart = new Array<number>(ruleCount).fill(-Infinity);
    this.lastKey = new Array<string | null>(ruleCount).fill(null);
  }
  add(s: Signal): void {
    const j = s.ref;
    if (j === 0) {
      this.latestStart[0] = s.t;
      this.lastKey[0] = s.key;
      return;
    }
    const prefix = this.latestStart[j - 1];
    if (prefix === -Infinity || this.lastKey[j - 1] === s.key) return;
    if (prefix >= this.latestStart[j]) {
      this.latestStart[j] = prefix;
      this.lastKey[j] = s.key;
    }
  }
  remove(): void {}
  satisfied(now: number): boolean {
    return this.latestStart[this.ruleCount - 1] >= now - this.timespanMs;
  }
  start(head: Signal): Signal {
    return head;
  }
  reset(): void {
    this.latestStart.fill(-Infinity);
    this.lastKey.fill(null);
  }
}

/**
 * OreGuard extension `duration`: the group was seen continuously (no gap longer than the
 * timespan) for at least the condition's time. The window reaches back duration + gap, which
 * is always enough to find such a stretch if there is one.
 */
class DurationEvaluator implements WindowEvaluator {
  private runStart: Signal | null = null;
  private last = -Infinity;
  constructor(
    private readonly gapMs: number,
    private readonly minMs: number,
  ) {}
  add(s: Signal): void {
    if (this.runStart === null || s.t - this.last > this.gapMs) this.runStart = s;
    this.last = s.t;
  }
  remove(s: Signal, next: Signal | undefined): void {
    if (s === this.runStart) this.runStart = next ?? null;
  }
  satisfied(now: number): boolean {
    return this.runStart !== null && now - this.runStart.t >= this.minMs;
  }
  start(): Signal {
    return this.runStart!;
  }
  reset(): void {
    this.runStart = null;
    this.last = -Infinity;
  }
}
