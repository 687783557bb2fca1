import { collectMatches } from '../correlation/correlate';
import type { KeyedSiteEvent } from '../correlation/correlation-engine';
import { aCyberEvent, aDroneEvent, t } from '../correlation/fixtures/correlation-events';
import { BRUTE_FORCE_RULES, LONE_DRONE_RULES } from '../correlation/fixtures/rule-texts';
import { parseRules } from '../correlation/rule-set';
import { levelAt, type SitePostureHistory } from './posture-at';
import { PostureEngines, type PostureMatchUpdate } from './posture-engines';
import type { PostureLevel } from './posture-level';
import { defaultPostureProfiles } from './posture-profile';

const RULES = parseRules(`${BRUTE_FORCE_RULES}---\n${LONE_DRONE_RULES}`);

const profiles = defaultPostureProfiles();
const MINUTE = 60_000;

/** Six failures 30 s apart from one address: under brute force's count of 10 at normal, over high's 5. */
function slowGuessing(from: string, count = 6, everyMs = 30_000): KeyedSiteEvent[] {
  return Array.from({ length: count }, (_, i) =>
    aCyberEvent({ at: new Date(t(from).getTime() + i * everyMs), category: 'auth_failure', srcIp: '10.9.9.9' }),
  );
}

/** kolwezi-1 raised to high at 04:00 until 05:00. */
const raisedAtFour: SitePostureHistory = {
  entries: [{ id: 'c1', level: 'high', validFrom: t('04:00'), validTo: null, expiresAt: t('05:00') }],
  floors: [],
};

function run(
  events: readonly KeyedSiteEvent[],
  history: SitePostureHistory | undefined,
  allowedLatenessMs = Infinity,
): { updates: PostureMatchUpdate[]; fromPush: PostureMatchUpdate[] } {
  const engines = new PostureEngines(RULES, profiles, { allowedLatenessMs });
  const fromPush: PostureMatchUpdate[] = [];
  for (const e of events) fromPush.push(...engines.push(e, levelAt(history, e.occurredAt)).updates);
  return { updates: [...fromPush, ...engines.finish()], fromPush };
}

const bruteForce = (updates: PostureMatchUpdate[]) =>
  collectMatches(updates.filter((u) => u.ruleId === 'brute-force')).map((m) => m.eventKeys.length);

describe('correlation under the posture at each event time', () => {
  it('lets slow guessing pass under normal and catches the same guessing under high', () => {
    expect(bruteForce(run(slowGuessing('03:00'), raisedAtFour).updates)).toEqual([]);
    const { updates } = run(slowGuessing('04:10'), raisedAtFour);
    expect(bruteForce(updates)).toEqual([6]);
    expect(updates.find((u) => u.ruleId === 'brute-force')).toMatchObject({ posture: 'high' });
  });

  it('judges a site never raised as before, with the ids it always had', () => {
    const { updates } = run(slowGuessing('04:10'), undefined);
    expect(bruteForce(updates)).toEqual([]);
    expect(updates.every((u) => u.posture === 'normal' && !u.matchId.includes('/'))).toBe(true);
  });

  it('counts a window that spans the raise on either side of it', () => {
    // 03:58:00 … 04:02:30: four failures before the raise, six after; high's count is five.
    const events = slowGuessing('03:58', 10);
    const { updates } = run(events, raisedAtFour);
    const matches = collectMatches(updates.filter((u) => u.ruleId === 'brute-force'));
    expect(matches).toHaveLength(1);
    expect(matches[0].firstAt).toEqual(t('04:00'));
    expect(matches[0].eventKeys).toHaveLength(6);
  });

  it('gives live (events arriving out of order, within the lateness) what a backtest gives', () => {
    const events = [...slowGuessing('03:57', 8), ...slowGuessing('04:01', 7)];
    const shuffled = [...events].sort((a, b) => (Number(b.key) % 7) - (Number(a.key) % 7));
    const shape = (updates: PostureMatchUpdate[]) =>
      (['normal', 'high'] as PostureLevel[]).map((level) =>
        collectMatches(updates.filter((u) => u.posture === level)).map((m) => [m.ruleId, m.eventKeys]),
      );
    const backtest = shape(run(events, raisedAtFour).updates);
    expect(shape(run(shuffled, raisedAtFour, 10 * MINUTE).updates)).toEqual(backtest);
    expect(backtest[1].length).toBeGreaterThan(0);
  });

  it("keeps ids apart across levels, so a match of one level never absorbs another's", () => {
    // Ten failures 5 s apart brute-force under normal too; six slow ones only under high.
    const { updates } = run([...slowGuessing('03:50', 10, 5_000), ...slowGuessing('04:10', 6)], raisedAtFour);
    const ids = new Set(updates.filter((u) => u.ruleId === 'brute-force').map((u) => u.matchId));
    expect([...ids].some((id) => id.startsWith('high/'))).toBe(true);
    expect([...ids].some((id) => !id.includes('/'))).toBe(true);
  });

  it('judges a window waiting under one level as the site time passes under another', () => {
    // A lone drone detection at 03:59 (normal) waits for the watermark to pass its 5 m window;
    // every event after it is judged under high, by the other engine.
    const lone = aDroneEvent({ at: t('03:59'), trackId: 'trk-1' });
    const later = slowGuessing('04:10', 2);
    const { fromPush } = run([lone, ...later], raisedAtFour, MINUTE);
    expect(fromPush.filter((u) => u.ruleId === 'lone-drone-detection')).toMatchObject([
      { posture: 'normal', newEventKeys: [lone.key] },
    ]);
  });

  it('reaches back as far as the widest level needs', () => {
    const engines = new PostureEngines(RULES, profiles, { allowedLatenessMs: 0 });
    // exceptional triples the 5 m window.
    expect(engines.stateSpanMs).toBe(15 * MINUTE);
    expect(engines.rulesAt('high').byId.get('brute-force')).toMatchObject({ condition: { bounds: { gte: 5 } } });
  });
});
