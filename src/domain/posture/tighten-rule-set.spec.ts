import { correlate } from '../correlation/correlate';
import { aCyberEvent, t } from '../correlation/fixtures/correlation-events';
import { BRUTE_FORCE_RULES } from '../correlation/fixtures/rule-texts';
import { parseRules } from '../correlation/rule-set';
import { defaultPostureProfiles } from './posture-profile';
import { tightenRuleSet } from './tighten-rule-set';

describe('a rule set tightened by a posture profile', () => {
  const profiles = defaultPostureProfiles();
  const rules = parseRules(BRUTE_FORCE_RULES);
  // Six failures 30 s apart: three minutes, six events. Under the count of 10 and over the 2 m window.
  const slowGuessing = Array.from({ length: 6 }, (_, i) =>
    aCyberEvent({ at: new Date(t('04:00').getTime() + i * 30_000), category: 'auth_failure', srcIp: '10.9.9.9' }),
  );
  const bruteForce = (set: typeof rules) => correlate(slowGuessing, set).filter((m) => m.ruleId === 'brute-force');

  it('lets slow guessing pass at normal', () => {
    expect(tightenRuleSet(rules, profiles.normal)).toBe(rules);
    expect(bruteForce(rules)).toEqual([]);
  });

  it('catches it at high: half the count, twice the window', () => {
    const high = tightenRuleSet(rules, profiles.high);
    const rule = high.byId.get('brute-force');
    expect(rule).toMatchObject({ timespanMs: 240_000, condition: { bounds: { gte: 5 } } });
    expect(bruteForce(high)).toHaveLength(1);
  });

  it('leaves the rule set it was given as it was', () => {
    tightenRuleSet(rules, profiles.exceptional);
    expect(rules.byId.get('brute-force')).toMatchObject({ timespanMs: 120_000, condition: { bounds: { gte: 10 } } });
    expect(bruteForce(rules)).toEqual([]);
  });
});
