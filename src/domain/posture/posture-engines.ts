import {
  CorrelationEngine,
  type EngineOptions,
  type KeyedSiteEvent,
  type MatchUpdate,
  type RuleSet,
} from '../correlation';
import { POSTURE_LEVELS, type PostureLevel } from './posture-level';
import type { PostureProfiles } from './posture-profile';
import { tightenRuleSet } from './tighten-rule-set';

/** A match update and the posture whose rules made it. */
export interface PostureMatchUpdate extends MatchUpdate {
  posture: PostureLevel;
}

export interface PosturePushResult {
  late: boolean;
  updates: PostureMatchUpdate[];
}

/**
 * Correlation under the posture in force at each event's time: the rule set as each level's
 * profile tightens it (tighten-rule-set.ts), one engine per level met, and each event judged
 * by the engine of the level its site was at when it occurred. A window that spans a posture
 * change is counted separately on either side of it. Live correlation and backtests both use
 * this, so a backtest of stored events gives the matches live correlation gave.
 *
 * Which engine takes an event depends only on the event and the site's posture history, never
 * on when it is pushed, so an engine rebuilt from stored events after a restart or a lease
 * hand-over holds what it held before. An event moves every other engine's clock for its site
 * on (CorrelationEngine.advance): windows an engine holds for the watermark are judged as the
 * site's time passes, even while another level takes its events.
 *
 * Match ids are an engine's own; those of a level other than `normal` are prefixed with it, so
 * ids stay distinct across engines and a site never raised sees the ids it always had.
 */
export class PostureEngines {
  private readonly ruleSets = new Map<PostureLevel, RuleSet>();
  private readonly engines = new Map<PostureLevel, CorrelationEngine>();

  constructor(
    rules: RuleSet,
    profiles: PostureProfiles,
    private readonly options: EngineOptions,
  ) {
    for (const level of POSTURE_LEVELS) this.ruleSets.set(level, tightenRuleSet(rules, profiles[level]));
  }

  /** The rule set events are judged by at a level. */
  rulesAt(level: PostureLevel): RuleSet {
    return this.ruleSets.get(level)!;
  }

  /** How far back the state of any level's engine reaches (CorrelationEngine.stateSpanMs): what a rebuild reads. */
  get stateSpanMs(): number {
    return Math.max(...[...this.ruleSets.values()].map((set) => new CorrelationEngine(set, this.options).stateSpanMs));
  }

  /** The levels whose engines have taken an event, in the order first met. */
  get levels(): PostureLevel[] {
    return [...this.engines.keys()];
  }

  /** Signals shed by the storm limit so far, over every engine. */
  get shed(): number {
    let shed = 0;
    for (const engine of this.engines.values()) shed += engine.shed;
    return shed;
  }

  /** What the engines hold together (CorrelationEngine.held). */
  get held(): { groups: number; signals: number } {
    let groups = 0;
    let signals = 0;
    for (const engine of this.engines.values()) {
      groups += engine.held.groups;
      signals += engine.held.signals;
    }
    return { groups, signals };
  }

  /** Judges an event by the rules of `level`, the posture in force at its site at its occurredAt. */
  push(event: KeyedSiteEvent, level: PostureLevel): PosturePushResult {
    const engine = this.engineAt(level);
    const result = engine.push(event);
    const updates = result.updates.map((u) => tagged(u, level));
    for (const [other, otherEngine] of this.engines) {
      if (otherEngine === engine) continue;
      for (const u of otherEngine.advance(event.siteId, event.occurredAt)) updates.push(tagged(u, other));
    }
    return { late: result.late, updates };
  }

  /** Judges every window still waiting for the watermark, in every engine (CorrelationEngine.finish). */
  finish(): PostureMatchUpdate[] {
    return [...this.engines].flatMap(([level, engine]) => engine.finish().map((u) => tagged(u, level)));
  }

  private engineAt(level: PostureLevel): CorrelationEngine {
    let engine = this.engines.get(level);
    if (!engine) this.engines.set(level, (engine = new CorrelationEngine(this.ruleSets.get(level)!, this.options)));
    return engine;
  }
}

function tagged(update: MatchUpdate, posture: PostureLevel): PostureMatchUpdate {
  if (posture === 'normal') return { ...update, posture };
  return {
    ...update,
    matchId: `${posture}/${update.matchId}`,
    absorbedMatchIds: update.absorbedMatchIds.map((id) => `${posture}/${id}`),
    posture,
  };
}
