import type { Severity } from '../events/canonical-event.schema';
import type { SiteEvent } from '../events/site-event';
import { DEFAULT_SEVERITY } from '../incidents/fold-events';
import type { CorrelationContext } from './blind-zones';
import { fairShares, GroupWindow, type GroupMatchChange } from './group-window';
import { describeMatch } from './match-reason';
import type { CompiledCorrelationRule, CompiledDetectionRule, RuleSet } from './rule-set';
import { maxSeverity, raiseSeverity } from './severity';
import { compareSignals, newSignal, resolveMatch, type MatchState, type Signal } from './signal';

/** An accepted event and its stable key (the stored id), by which matches name their events. */
export interface KeyedSiteEvent extends SiteEvent {
  key: string;
}

export interface EngineOptions {
  /**
   * How far behind the newest event of its site an event may be and still correlate, in ms.
   * Older events are reported late and not correlated. `Infinity` for a batch.
   */
  allowedLatenessMs: number;
  context?: CorrelationContext;
  /**
   * Storm limit: most signals one group (a rule, a site, its group-by values) holds. Past it
   * the oldest are shed and the group no longer takes signals behind them (counted in
   * stats().shedSignals). Memory is then bounded by groups × limit, whatever the event rate
   * and the lateness. Default: no limit (a batch over a bounded set of events).
   */
  maxGroupSignals?: number;
  /**
   * Memory budget: most signals all groups hold together. Past it, the next sweep drops what
   * is kept only for late events (the tolerated lateness shrinks to the rule windows) and
   * refuses signals behind that (counted in stats().shedSignals). Default: no budget.
   */
  maxSignals?: number;
}

/**
 * A rule matched, or a match grew. Apply in order: link `newEventKeys` to the match's incident
 * (linking twice is harmless), and fold the incidents of `absorbedMatchIds` into this one.
 */
export interface MatchUpdate {
  /** Stable for the life of the match in this engine. */
  matchId: string;
  ruleId: string;
  title: string;
  severity: Severity;
  siteId: string;
  /** The rule's group-by values, by group-by name (a field path or an alias). */
  group: Readonly<Record<string, string>>;
  /** Which rule fired and why, in a sentence, for the incident timeline. */
  reason: string;
  /** Events that joined the match with this update (first update: all its events so far). */
  newEventKeys: string[];
  /** Matches that a late event joined to this one; they will not be named again. */
  absorbedMatchIds: string[];
  /** occurredAt of the match's first and last events so far. */
  firstAt: Date;
  lastAt: Date;
}

export interface PushResult {
  /** Older than the site's watermark: not correlated (store it, flag it, count it). */
  late: boolean;
  updates: MatchUpdate[];
}

export interface EngineStats {
  events: number;
  lateEvents: number;
  sites: number;
  groups: number;
  signals: number;
  pendingSignals: number;
  /** Signals dropped by the storm limit, or refused because they fell behind a group's shed signals. */
  shedSignals: number;
}

const SWEEP_EVERY = 1024;
/** What a group weighs in the memory budget, in signals (its window, evaluator and group values). */
const GROUP_COST = 2;

/**
 * The incremental correlation engine: push events one by one, in any order; get match updates.
 *
 * Event time, not arrival: each site has a watermark, its newest occurredAt minus the allowed
 * lateness. An event older than the watermark is late (reported, not correlated); any other
 * event takes its event-time place, and the windows it falls in are judged again. Whatever the
 * arrival order within the lateness, the matches after `finish()` equal `correlate()`'s.
 *
 * Conditions with an upper bound (lt, lte, eq) could be broken by an event still to come, so
 * their windows are judged only once the watermark has passed them (or at `finish()`).
 *
 * State is bounded by the rule windows plus the lateness: a group keeps only signals that a
 * window of a not-yet-late event could reach, and is dropped when empty.
 */
export class CorrelationEngine {
  private readonly groups = new Map<CompiledCorrelationRule, Map<string, GroupWindow>>();
  private readonly retentionMs = new Map<CompiledCorrelationRule, number>();
  private readonly newest = new Map<string, number>();
  private readonly pendingBySite = new Map<string, Set<GroupWindow>>();
  private readonly dirtyGroups = new Set<GroupWindow>();
  private readonly context: CorrelationContext;
  private matchSeq = 0;
  private events = 0;
  private lateEvents = 0;
  private sinceSweep = 0;
  /** Groups after the last sweep: the next comes that many events later (groups made since do not put it off). */
  private groupsAtSweep = 0;
  private groupCount = 0;
  /** Signals the groups hold (not those pending), kept as they change: see `held`. */
  private signalCount = 0;
  private shedSignals = 0;
  private readonly maxGroupSignals: number;
  private readonly maxSignals: number;
  /** Per rule and site: signals before this time are refused, since the memory budget cut there. */
  private readonly squeezedBefore = new Map<CompiledCorrelationRule, Map<string, number>>();

  constructor(
    readonly rules: RuleSet,
    private readonly options: EngineOptions,
  ) {
    this.context = options.context ?? {};
    this.maxGroupSignals = options.maxGroupSignals ?? Infinity;
    this.maxSignals = options.maxSignals ?? Infinity;
    for (const rule of [...rules.correlations].reverse()) {
      const downstream = Math.max(
        0,
        ...rule.consumers.map((c) => this.retentionMs.get(c.rule as CompiledCorrelationRule) ?? 0),
      );
      this.retentionMs.set(rule, rule.horizonMs + downstream);
      this.groups.set(rule, new Map());
    }
  }

  /**
   * How far back from a site's newest event the engine's state reaches. To rebuild after a
   * restart, feed a fresh engine the stored events of that span: windows at the span's very
   * start see only part of their events, and matches that already exist come out again under
   * new ids (find their incidents by rule, site, group and time).
   */
  get stateSpanMs(): number {
    return this.options.allowedLatenessMs + Math.max(0, ...this.retentionMs.values());
  }

  /** Signals shed by the storm limit so far (cheap, unlike stats()). */
  get shed(): number {
    return this.shedSignals;
  }

  /** The groups and signals stats() counts, without its look at every group: for every metrics scrape. */
  get held(): { groups: number; signals: number } {
    return { groups: this.groupCount, signals: this.signalCount };
  }

  /** The site's watermark: events older than this are late. Null before its first event. */
  watermark(siteId: string): Date | null {
    const newest = this.newest.get(siteId);
    return newest === undefined || !Number.isFinite(this.options.allowedLatenessMs)
      ? null
      : new Date(newest - this.options.allowedLatenessMs);
  }

  push(event: KeyedSiteEvent): PushResult {
    const t = event.occurredAt.getTime();
    const siteId = event.siteId;
    const newest = this.newest.get(siteId) ?? -Infinity;
    this.events++;
    if (t < newest - this.options.allowedLatenessMs) {
      this.lateEvents++;
      return { late: true, updates: [] };
    }
    const updates: MatchUpdate[] = [];
    if (t > newest) this.newest.set(siteId, t);

    for (const rule of this.rules.detections) {
      if (!rule.matches(event)) continue;
      let blind: readonly string[] = [];
      if (rule.zoneBlind) {
        if (!event.zone) continue;
        blind = this.context.blindSensors?.(siteId, event.zone, event.occurredAt) ?? [];
        if (blind.length === 0) continue;
      }
      if (rule.standalone) updates.push(detectionUpdate(rule, event, blind));
      for (const { rule: consumer, ref } of rule.consumers) {
        this.deliver(consumer as CompiledCorrelationRule, ref, siteId, t, event.key, event, null, null, updates);
      }
    }
    if (t > newest && this.pendingBySite.has(siteId)) this.release(siteId, t - this.options.allowedLatenessMs, updates);
    this.flushDirty(updates);
    // Sweeping costs one look per group: as often as that stays O(1) per event.
    if (++this.sinceSweep >= Math.max(SWEEP_EVERY, this.groupsAtSweep)) this.sweep();
    return { late: false, updates };
  }

  /**
   * The site's clock moved on to `at` with an event this engine does not judge (another engine
   * took it: see src/domain/posture/posture-engines.ts). The watermark follows as if the event
   * had come, so windows waiting for it are judged, later events behind it are late, and state
   * it leaves behind is swept; nothing is matched against it.
   */
  advance(siteId: string, at: Date): MatchUpdate[] {
    const t = at.getTime();
    const newest = this.newest.get(siteId) ?? -Infinity;
    if (t <= newest) return [];
    this.newest.set(siteId, t);
    const updates: MatchUpdate[] = [];
    if (this.pendingBySite.has(siteId)) this.release(siteId, t - this.options.allowedLatenessMs, updates);
    this.flushDirty(updates);
    if (++this.sinceSweep >= Math.max(SWEEP_EVERY, this.groupsAtSweep)) this.sweep();
    return updates;
  }

  /** Judges every window still waiting for the watermark, as if no more events will come. */
  finish(): MatchUpdate[] {
    const updates: MatchUpdate[] = [];
    for (const siteId of [...this.pendingBySite.keys()]) this.release(siteId, Infinity, updates);
    this.flushDirty(updates);
    return updates;
  }

  stats(): EngineStats {
    let groups = 0;
    let signals = 0;
    let pendingSignals = 0;
    for (const byKey of this.groups.values()) {
      groups += byKey.size;
      for (const g of byKey.values()) {
        signals += g.signals.length;
        pendingSignals += g.pending.length;
      }
    }
    return {
      events: this.events,
      lateEvents: this.lateEvents,
      sites: this.newest.size,
      groups,
      signals,
      pendingSignals,
      shedSignals: this.shedSignals,
    };
  }

  /** Gives a signal to a correlation: to its group, judged now, or held for the watermark. */
  private deliver(
    rule: CompiledCorrelationRule,
    ref: number,
    siteId: string,
    t: number,
    key: string,
    source: unknown,
    inner: Signal | null,
    innerSignals: readonly Signal[] | null,
    updates: MatchUpdate[],
  ): { signal: Signal; group: GroupWindow } | null {
    if (t < (this.squeezedBefore.get(rule)?.get(siteId) ?? -Infinity)) {
      this.shedSignals++;
      return null;
    }
    const getters = rule.groupGetters[ref];
    let groupKey = siteId;
    const parts: string[] = [];
    for (const get of getters) {
      const value = get(source);
      // An event without a group-by field belongs to no group of this rule.
      if (value === undefined || value === null) return null;
      const text = String(value);
      parts.push(text);
      groupKey += `\u001f${text}`;
    }
    const byKey = this.groups.get(rule)!;
    let group = byKey.get(groupKey);
    if (!group) {
      const values: Record<string, string> = {};
      rule.groupBy.forEach((name, i) => (values[name] = parts[i]));
      group = new GroupWindow(rule, siteId, values);
      byKey.set(groupKey, group);
      this.groupCount++;
    }
    if (t < group.floor) {
      this.shedSignals++;
      return null;
    }
    const valueOf = rule.valueGetters?.[ref];
    const value = valueOf ? valueOf(source) : undefined;
    const signal = newSignal(
      t,
      key,
      ref,
      value === undefined || value === null ? undefined : String(value),
      inner,
      innerSignals,
    );
    if (!rule.monotone) {
      group.hold(signal);
      let waiting = this.pendingBySite.get(siteId);
      if (!waiting) this.pendingBySite.set(siteId, (waiting = new Set()));
      waiting.add(group);
      return { signal, group };
    }
    this.judge(group, signal, updates);
    return { signal, group };
  }

  private judge(group: GroupWindow, signal: Signal, updates: MatchUpdate[]): void {
    const rule = group.rule;
    const changes = group.add(signal);
    this.signalCount++;
    for (const s of changes.newlySatisfied) {
      for (const { rule: consumer, ref } of rule.consumers) {
        const out = this.deliver(
          consumer as CompiledCorrelationRule,
          ref,
          group.siteId,
          s.t,
          s.key,
          group.values,
          s,
          group.signals,
          updates,
        );
        if (!out) continue;
        // A one-element array: V8 gives one filled by push room for 17, and most get one entry.
        if (s.outs === null) s.outs = [out];
        else s.outs.push(out);
      }
    }
    for (const s of changes.widened) {
      for (const out of s.outs ?? []) {
        out.signal.dirty = true;
        if (out.signal.match) this.dirtyGroups.add(out.group as GroupWindow);
      }
    }
    if (rule.standalone) {
      const newMatch = (g: GroupWindow) => this.newMatch(g);
      if (changes.appended) {
        const change = group.matchAppended(signal, newMatch);
        if (change) updates.push(this.toUpdate(group, change));
      } else {
        for (const change of group.rematch(newMatch, changes.from)) updates.push(this.toUpdate(group, change));
      }
    }
    // Last, once the positions above are used: the storm limit.
    if (group.signals.length > this.maxGroupSignals) this.shedFrom(group, this.maxGroupSignals);
  }

  private release(siteId: string, watermark: number, updates: MatchUpdate[]): void {
    const waiting = this.pendingBySite.get(siteId);
    if (!waiting) return;
    for (const group of [...waiting]) {
      while (group.pending.length > 0 && group.pending[0].t < watermark)
        this.judge(group, group.takePending(), updates);
      if (group.pending.length === 0) waiting.delete(group);
    }
    if (waiting.size === 0) this.pendingBySite.delete(siteId);
  }

  private flushDirty(updates: MatchUpdate[]): void {
    for (const group of this.dirtyGroups) {
      if (!group.rule.standalone) continue;
      for (const change of group.rematch((g) => this.newMatch(g))) updates.push(this.toUpdate(group, change));
    }
    this.dirtyGroups.clear();
  }

  private newMatch(group: GroupWindow): MatchState {
    const seq = ++this.matchSeq;
    return {
      id: `${group.rule.id}:${seq}`,
      seq,
      group: group.values,
      reason: describeMatch(group.rule, group.values),
      firstAt: Infinity,
      lastAt: -Infinity,
      mergedInto: null,
    };
  }

  private toUpdate(group: GroupWindow, change: GroupMatchChange): MatchUpdate {
    const match = change.match;
    const keys = new Set<string>();
    for (const s of change.signals) {
      collectEvents(s, match, keys, s.dirty);
      s.dirty = false;
    }
    const rule = group.rule;
    return {
      matchId: match.id,
      ruleId: rule.id,
      title: rule.title,
      severity: rule.severity,
      siteId: group.siteId,
      group: group.values,
      reason: match.reason,
      newEventKeys: [...keys],
      absorbedMatchIds: change.absorbed.map((m) => m.id),
      firstAt: new Date(match.firstAt),
      lastAt: new Date(match.lastAt),
    };
  }

  /** Drops what no window of a future, not-late event can reach. */
  private sweep(): void {
    this.sinceSweep = 0;
    const lateness = this.options.allowedLatenessMs;
    if (!Number.isFinite(lateness)) return;
    // Over the memory budget, what is kept only for late events goes: the lateness a group
    // tolerates shrinks to its rule's windows, and signals behind that are refused (counted).
    const squeeze = GROUP_COST * this.groupCount + this.signalCount > this.maxSignals;
    for (const [rule, byKey] of this.groups) {
      const retention = this.retentionMs.get(rule)!;
      if (squeeze) {
        // Also for groups about to go: a later signal behind the cut finds no group, and must not start one.
        const floors = this.squeezedBefore.get(rule) ?? new Map<string, number>();
        for (const [siteId, newest] of this.newest)
          floors.set(siteId, Math.max(floors.get(siteId) ?? -Infinity, newest - retention));
        this.squeezedBefore.set(rule, floors);
      }
      for (const [key, group] of byKey) {
        const newest = this.newest.get(group.siteId)!;
        const before = newest - retention - (squeeze ? 0 : lateness);
        const count = group.signals.length;
        const empty = group.evict(before);
        const evicted = count - group.signals.length;
        this.signalCount -= evicted;
        if (squeeze) {
          this.shedSignals += evicted;
          group.floor = Math.max(group.floor, before);
        }
        if (empty) {
          byKey.delete(key);
          this.groupCount--;
        }
      }
    }
    if (squeeze) this.shareBudget();
    this.groupsAtSweep = this.groupCount;
  }

  /**
   * Still over the budget once only the windows are kept (a dense load fills the windows
   * themselves): first, if groups alone take more than half the budget, the least recently
   * active ones go (a burst from thousands of sources); then every group gets a fair share of
   * 90 % of what is left (groups holding less keep all), and the larger ones shed their oldest
   * signals down to it (GroupWindow.shed).
   */
  private shareBudget(): void {
    const all: { byKey: Map<string, GroupWindow>; key: string; group: GroupWindow }[] = [];
    for (const byKey of this.groups.values()) for (const [key, group] of byKey) all.push({ byKey, key, group });
    let signals = all.reduce((n, e) => n + e.group.signals.length, 0);
    if (signals + GROUP_COST * all.length <= this.maxSignals) return;

    const groupBudget = Math.floor(this.maxSignals / 2 / GROUP_COST);
    let kept = all;
    if (all.length > groupBudget) {
      const newestOf = (g: GroupWindow) => g.signals[g.signals.length - 1]?.t ?? -Infinity;
      const byActivity = all
        .filter((e) => e.group.pending.length === 0)
        .sort((a, b) => newestOf(a.group) - newestOf(b.group));
      const drop = new Set(byActivity.slice(0, all.length - groupBudget));
      for (const e of drop) {
        e.byKey.delete(e.key);
        this.groupCount--;
        this.shedSignals += e.group.signals.length;
        this.signalCount -= e.group.signals.length;
        signals -= e.group.signals.length;
        e.group.evict(Infinity);
      }
      kept = all.filter((e) => !drop.has(e));
    }
    const room = this.maxSignals - GROUP_COST * kept.length;
    if (signals <= room) return;
    const sizes = kept.map((e) => e.group.signals.length);
    const shares = fairShares(sizes, Math.floor(room * 0.9));
    kept.forEach((e, i) => {
      if (sizes[i] > shares[i]) this.shedFrom(e.group, shares[i], shares[i]);
    });
  }

  /** Sheds a group's oldest signals down to `keep` (GroupWindow.shed), and counts them. */
  private shedFrom(group: GroupWindow, max: number, keep?: number): void {
    const dropped = group.shed(max, keep);
    this.shedSignals += dropped;
    this.signalCount -= dropped;
  }
}

/**
 * Adds a signal's events to `keys`, and its times to the match. A chained signal stands for a
 * window of an inner correlation: its events are those of the inner signals in that window.
 * Inner signals already collected for this match end the walk early, unless `full`.
 */
function collectEvents(s: Signal, match: MatchState, keys: Set<string>, full: boolean): void {
  if (s.inner === null) {
    keys.add(s.key);
    if (s.t < match.firstAt) match.firstAt = s.t;
    if (s.t > match.lastAt) match.lastAt = s.t;
    return;
  }
  const signals = s.innerSignals!;
  const end = s.inner;
  let i = signals.length - 1;
  while (i >= 0 && signals[i] !== end) i--;
  if (i < 0 || end.start === null) return; // the inner window is gone: collected when it was new
  const start = end.start;
  for (; i >= 0 && compareSignals(signals[i], start) >= 0; i--) {
    const x = signals[i];
    if (x.claims?.some((m) => resolveMatch(m) === match)) {
      if (!full) break;
    } else if (x.claims === null) {
      x.claims = [match]; // one element, not push's room for 17: most signals join one match
    } else {
      x.claims.push(match);
    }
    collectEvents(x, match, keys, full);
  }
}

function detectionUpdate(rule: CompiledDetectionRule, event: KeyedSiteEvent, blind: readonly string[]): MatchUpdate {
  const own = event.severity ?? DEFAULT_SEVERITY[event.kind];
  let severity = rule.level ?? own;
  let reason = `${rule.title}: ${describeEvent(event)}`;
  if (rule.raiseSeverity > 0) {
    severity = maxSeverity(rule.level ?? 'info', raiseSeverity(own, rule.raiseSeverity));
  }
  if (blind.length > 0) {
    reason += ` in zone ${event.zone} while ${blind.join(', ')} ${blind.length === 1 ? 'was' : 'were'} offline`;
  }
  if (severity !== own) reason += `; severity ${own} raised to ${severity}`;
  return {
    matchId: `${rule.id}:${event.key}`,
    ruleId: rule.id,
    title: rule.title,
    severity,
    siteId: event.siteId,
    group: event.zone ? { zone: event.zone } : {},
    reason,
    newEventKeys: [event.key],
    absorbedMatchIds: [],
    firstAt: event.occurredAt,
    lastAt: event.occurredAt,
  };
}

function describeEvent(event: SiteEvent): string {
  const what = event.theft?.category ?? event.cyber?.category ?? event.drone?.detection;
  return `${event.kind} ${what ?? 'event'} from ${event.sensorId}`.replace(/_/g, ' ');
}
