import type { CompiledCorrelationRule, CompiledRule, RuleSet } from '../correlation/rule-set';
import { postureCountBounds, postureTimespanMs } from './apply-profile';
import type { PostureProfile } from './posture-profile';

/**
 * A rule set as a posture profile tightens it: the count thresholds of `event_count` and
 * `value_count` correlations lowered (countFactor) and every correlation's window widened
 * (timespanFactor). Temporal correlations keep their count: it is how many of their rules must
 * match, not how much activity. The compiled rules reference each other, so the whole graph is
 * copied; the set given is left as it was.
 */
export function tightenRuleSet(set: RuleSet, profile: PostureProfile): RuleSet {
  if (profile.rules.countFactor === 1 && profile.rules.timespanFactor === 1) return set;
  const copies = new Map<CompiledRule, CompiledRule>();
  // Rules come after the rules they reference, so each reference is copied before it is needed.
  const rules = set.rules.map((rule): CompiledRule => {
    let copy: CompiledRule;
    if (rule.type === 'detection') {
      copy = { ...rule, consumers: [] };
    } else {
      const counts = rule.correlationType === 'event_count' || rule.correlationType === 'value_count';
      const condition =
        counts && rule.condition.kind === 'count'
          ? { ...rule.condition, bounds: postureCountBounds(rule.condition.bounds, profile) }
          : rule.condition;
      const timespanMs = postureTimespanMs(rule.timespanMs, profile);
      copy = {
        ...rule,
        refs: rule.refs.map((r) => copies.get(r)!),
        condition,
        timespanMs,
        horizonMs: condition.kind === 'duration' ? condition.minMs + timespanMs : timespanMs,
        consumers: [],
      };
    }
    copies.set(rule, copy);
    return copy;
  });
  for (const [original, copy] of copies) {
    copy.consumers = original.consumers.map((c) => ({
      rule: copies.get(c.rule) as CompiledCorrelationRule,
      ref: c.ref,
    }));
  }
  return {
    rules,
    detections: rules.filter((r) => r.type === 'detection'),
    correlations: rules.filter((r): r is CompiledCorrelationRule => r.type === 'correlation'),
    byId: new Map(rules.map((r) => [r.id, r])),
  };
}
