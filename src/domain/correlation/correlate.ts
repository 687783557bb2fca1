import type { Severity } from '../events/canonical-event.schema';
import type { CorrelationContext } from './blind-zones';
import { CorrelationEngine, type KeyedSiteEvent, type MatchUpdate } from './correlation-engine';
import type { RuleSet } from './rule-set';

/** A rule's match over a set of events: what an incident is opened or escalated from. */
export interface CorrelationMatch {
  ruleId: string;
  title: string;
  severity: Severity;
  siteId: string;
  group: Readonly<Record<string, string>>;
  /** Keys of the contributing events, sorted. */
  eventKeys: string[];
  firstAt: Date;
  lastAt: Date;
  reason: string;
}

/**
 * Every match of the rules over a set of events, in a fixed order; the same for any order of
 * `events`. Events are taken in event-time order (ties by key); a match is a maximal run of
 * satisfied windows that share events. For backtests, and the reference the engine is held to.
 */
export function correlate(
  events: readonly KeyedSiteEvent[],
  rules: RuleSet,
  context: CorrelationContext = {},
): CorrelationMatch[] {
  const sorted = [...events].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const engine = new CorrelationEngine(rules, { allowedLatenessMs: Infinity, context });
  const updates: MatchUpdate[] = [];
  for (const event of sorted) updates.push(...engine.push(event).updates);
  updates.push(...engine.finish());
  return collectMatches(updates);
}

/** Folds a stream of match updates into the matches they describe, merges applied. */
export function collectMatches(updates: Iterable<MatchUpdate>): CorrelationMatch[] {
  const byId = new Map<string, { match: CorrelationMatch; keys: Set<string> }>();
  for (const u of updates) {
    let entry = byId.get(u.matchId);
    if (!entry) {
      entry = {
        match: {
          ruleId: u.ruleId,
          title: u.title,
          severity: u.severity,
          siteId: u.siteId,
          group: u.group,
          eventKeys: [],
          firstAt: u.firstAt,
          lastAt: u.lastAt,
          reason: u.reason,
        },
        keys: new Set(),
      };
      byId.set(u.matchId, entry);
    }
    for (const k of u.newEventKeys) entry.keys.add(k);
    for (const id of u.absorbedMatchIds) {
      const absorbed = byId.get(id);
      if (!absorbed) continue;
      for (const k of absorbed.keys) entry.keys.add(k);
      byId.delete(id);
    }
    if (u.firstAt < entry.match.firstAt) entry.match.firstAt = u.firstAt;
    if (u.lastAt > entry.match.lastAt) entry.match.lastAt = u.lastAt;
  }
  const matches = [...byId.values()].map(({ match, keys }) => ({ ...match, eventKeys: [...keys].sort() }));
  return matches.sort(
    (a, b) =>
      a.siteId.localeCompare(b.siteId) ||
      a.firstAt.getTime() - b.firstAt.getTime() ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.eventKeys[0].localeCompare(b.eventKeys[0]),
  );
}
