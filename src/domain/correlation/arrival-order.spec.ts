import { join } from 'node:path';
import { loadRules } from '../../correlation/load-rules';
import { collectMatches, correlate, type CorrelationMatch } from './correlate';
import { CorrelationEngine, type KeyedSiteEvent, type MatchUpdate } from './correlation-engine';
import { aCyberEvent, aDroneEvent, aTheftEvent, t } from './fixtures/correlation-events';
import { delayedArrival, recordedNight, recordedOutages, seededRandom, shuffled } from './fixtures/recorded-night';
import { LONE_DRONE_RULES } from './fixtures/rule-texts';
import { parseRules } from './rule-set';

const HOUR = 3_600_000;
const defaults = loadRules(join(__dirname, '../../../rules'));

/** A rule with an upper bound (at most one detection of a track in 5 minutes): decided at the watermark. */
const loneDetection = parseRules(LONE_DRONE_RULES);

/** What an incident is made of: rule, site, group, severity and events (not engine ids). */
const shape = (matches: CorrelationMatch[]) =>
  matches.map((m) => ({
    ruleId: m.ruleId,
    siteId: m.siteId,
    group: m.group,
    severity: m.severity,
    eventKeys: m.eventKeys,
  }));

function runIncrementally(events: readonly KeyedSiteEvent[], rules = defaults, allowedLatenessMs = HOUR) {
  const engine = new CorrelationEngine(rules, { allowedLatenessMs, context: recordedOutages });
  const updates: MatchUpdate[] = [];
  const late: string[] = [];
  for (const e of events) {
    const r = engine.push(e);
    if (r.late) late.push(e.key);
    updates.push(...r.updates);
  }
  updates.push(...engine.finish());
  return { matches: collectMatches(updates), updates, late, engine };
}

describe('arrival order does not change the incidents', () => {
  const night = recordedNight();
  const reference = correlate(night, defaults, recordedOutages);

  it('the recorded night fires every default rule, at both sites', () => {
    const fired = new Set(reference.map((m) => `${m.siteId} ${m.ruleId}`));
    for (const site of ['kolwezi-1', 'tarkwa-2']) {
      for (const rule of [
        'coordinated-intrusion',
        'drone-loitering',
        'brute-force',
        'port-scan',
        'ot-cyber-then-theft',
        'material-loss-after-tamper',
      ]) {
        expect(fired).toContain(`${site} ${rule}`);
      }
    }
    expect(fired).toContain('kolwezi-1 breach-in-blind-zone');
    expect(fired).not.toContain('tarkwa-2 breach-in-blind-zone');
  });

  it('correlate gives the same matches for 25 shuffles of the same events', () => {
    const random = seededRandom(20261129);
    for (let i = 0; i < 25; i++) {
      expect(shape(correlate(shuffled(night, random), defaults, recordedOutages))).toEqual(shape(reference));
    }
  });

  it('the engine, fed in 25 orders up to an hour out of event time, ends with the batch result', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 25; i++) {
      const { matches, late } = runIncrementally(delayedArrival(night, HOUR, random));
      expect(late).toEqual([]);
      expect(shape(matches)).toEqual(shape(reference));
    }
  });

  it('also with a rule whose upper bound is decided at the watermark', () => {
    const rules = loneDetection;
    const expected = correlate(night, rules, recordedOutages);
    expect(expected.some((m) => m.ruleId === 'lone-drone-detection')).toBe(true);
    const random = seededRandom(99);
    for (let i = 0; i < 20; i++) {
      expect(shape(runIncrementally(delayedArrival(night, HOUR, random), rules).matches)).toEqual(shape(expected));
    }
  });
});

describe('late events', () => {
  it('correlates an event up to the allowed lateness behind its site, and reports older ones late', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: 10 * 60_000 });
    expect(engine.push(aTheftEvent({ at: '03:00', zone: 'north-fence' })).late).toBe(false);
    expect(engine.watermark('kolwezi-1')).toEqual(t('02:50'));

    const tooLate = engine.push(aDroneEvent({ at: '02:49' }));
    expect(tooLate).toEqual({ late: true, updates: [] });

    const inTime = engine.push(aDroneEvent({ at: '02:51' }));
    expect(inTime.late).toBe(false);
    expect(inTime.updates.map((u) => u.ruleId)).toEqual(['coordinated-intrusion']);
    expect(engine.stats()).toMatchObject({ events: 3, lateEvents: 1 });
    // Another site has its own watermark.
    expect(engine.push(aDroneEvent({ at: '01:00', site: 'tarkwa-2' })).late).toBe(false);
  });

  it('merges two matches that a late event joins, naming the absorbed one', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR });
    const updates: MatchUpdate[] = [];
    const events = [
      aDroneEvent({ at: '02:00' }),
      aTheftEvent({ at: '02:10', zone: 'north-fence' }),
      aDroneEvent({ at: '02:40' }),
      aTheftEvent({ at: '02:50', zone: 'north-fence' }),
      aDroneEvent({ at: '02:24' }), // late, but within the hour
      aTheftEvent({ at: '02:36', zone: 'south-fence' }),
    ];
    for (const e of events) updates.push(...engine.push(e).updates);
    const intrusion = updates.filter((u) => u.ruleId === 'coordinated-intrusion');
    const [first, second] = [...new Set(intrusion.map((u) => u.matchId))];
    expect(second).toBeDefined();
    expect(intrusion.at(-1)).toMatchObject({ matchId: first, absorbedMatchIds: [second] });
    expect(shape(collectMatches(updates))).toEqual(shape(correlate(events, defaults)));
    expect(collectMatches(updates)[0].eventKeys).toHaveLength(6);
  });

  it('keeps its state bounded by the windows and the lateness, however long it runs', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: 10 * 60_000 });
    const signalsAfter: number[] = [];
    const start = t('00:00').getTime();
    for (let i = 0; i < 60_000; i++) {
      const at = new Date(start + i * 1000);
      const n = i % 6;
      engine.push(
        n === 0
          ? aDroneEvent({ at, trackId: `trk-${i % 50}` })
          : n === 1
            ? aCyberEvent({ at, category: 'auth_failure', srcIp: `10.0.${i % 3}.${i % 200}` })
            : n === 2
              ? aCyberEvent({ at, category: 'scan', srcIp: `10.1.0.${i % 40}`, dstPort: i % 1000 })
              : n === 3
                ? aTheftEvent({ at, zone: `zone-${i % 9}`, category: i % 2 ? 'tamper' : 'material_loss' })
                : aCyberEvent({ at, network: 'ot' }),
      );
      if (i === 20_000 || i === 59_999) signalsAfter.push(engine.stats().signals + engine.stats().groups);
    }
    expect(signalsAfter[1]).toBeLessThanOrEqual(signalsAfter[0] * 1.1);
  });
});
