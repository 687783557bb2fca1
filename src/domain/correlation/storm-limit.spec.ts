import { join } from 'node:path';
import { loadRules } from '../../correlation/load-rules';
import { collectMatches } from './correlate';
import { CorrelationEngine, type MatchUpdate } from './correlation-engine';
import { fairShares } from './group-window';
import { aCyberEvent, aDroneEvent, aTheftEvent } from './fixtures/correlation-events';

const defaults = loadRules(join(__dirname, '../../../rules'));
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse('2026-11-29T02:00:00Z') + ms).toISOString().slice(11, 23);
/** The counts the engine keeps as it goes (for metrics) agree with a look at every group. */
const expectHeldCounted = (engine: CorrelationEngine) => {
  const { groups, signals } = engine.stats();
  expect(engine.held).toEqual({ groups, signals });
};

describe('the storm limit', () => {
  it('bounds what one group holds, keeps the storm one match, and refuses signals behind what it shed', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR, maxGroupSignals: 200 });
    const updates: MatchUpdate[] = [];
    // A breach, then 5,000 drone detections over the site within 10 minutes (one per 120 ms).
    updates.push(
      ...engine.push(aTheftEvent({ at: at(0), site: 'kolwezi-1', zone: 'north-fence', key: 'breach' })).updates,
    );
    for (let i = 1; i <= 5000; i++) {
      updates.push(...engine.push(aDroneEvent({ at: at(i * 120), site: 'kolwezi-1', key: `d${i}` })).updates);
      // Every group stays within the limit.
      if (i % 500 === 0) expect(engine.stats().signals).toBeLessThanOrEqual(200 * 3);
      if (i % 500 === 0) expectHeldCounted(engine);
    }
    const stats = engine.stats();
    expect(stats.shedSignals).toBeGreaterThan(4000);

    const coordinated = collectMatches(updates).filter((m) => m.ruleId === 'coordinated-intrusion');
    // One match: the drones within 15 minutes of the breach, every one linked while the group held it.
    expect(coordinated).toHaveLength(1);
    expect(coordinated[0].eventKeys).toContain('breach');
    expect(coordinated[0].eventKeys.length).toBeGreaterThan(4000);

    // A late drone detection behind the shed part of the group is not taken by it (counted).
    const before = engine.stats().shedSignals;
    engine.push(aDroneEvent({ at: at(60_000), site: 'kolwezi-1', key: 'late' }));
    expect(engine.stats().shedSignals).toBeGreaterThan(before);
    expectHeldCounted(engine);
  });

  it('without a limit, holds every signal the windows and lateness reach', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR });
    for (let i = 1; i <= 1000; i++)
      engine.push(aCyberEvent({ at: at(i * 100), site: 'tarkwa-2', key: `c${i}`, category: 'auth_failure' }));
    expect(engine.stats()).toMatchObject({ shedSignals: 0 });
    expect(engine.stats().signals).toBeGreaterThanOrEqual(1000);
    expectHeldCounted(engine);
  });
});

describe('the memory budget', () => {
  it('shrinks the lateness tolerated to the rule windows once the groups hold too much, and counts what it refuses', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR, maxSignals: 5_000 });
    // Port probes from 4,000 sources over 40 minutes: each kept an hour for late events.
    for (let i = 0; i < 20_000; i++) {
      engine.push(
        aCyberEvent({
          at: at(i * 120),
          site: 'tarkwa-2',
          key: `p${i}`,
          srcIp: `10.1.${i % 16}.${i % 250}`,
          dstPort: 1000 + (i % 7),
        }),
      );
      if (i % 1000 === 0) expectHeldCounted(engine);
    }
    const { signals, shedSignals } = engine.stats();
    expect(signals).toBeLessThan(5_000 + 20_000 / 4); // at most one sweep's worth over the budget
    expect(shedSignals).toBeGreaterThan(0);
    // An event 30 minutes behind, within the lateness but beyond the port scan's minute: refused, counted.
    const before = engine.stats().shedSignals;
    const result = engine.push(
      aCyberEvent({
        at: at(20_000 * 120 - 30 * 60_000),
        site: 'tarkwa-2',
        key: 'behind',
        srcIp: '10.1.0.0',
        dstPort: 1,
      }),
    );
    expect(result.late).toBe(false);
    expect(engine.stats().shedSignals).toBe(before + 1);

    // On time, correlation goes on: 20 ports from one source within a minute is still a scan.
    const updates: MatchUpdate[] = [];
    const now = 20_000 * 120;
    for (let p = 0; p < 20; p++) {
      updates.push(
        ...engine.push(
          aCyberEvent({ at: at(now + p * 1000), site: 'tarkwa-2', key: `s${p}`, srcIp: '10.9.9.9', dstPort: 2000 + p }),
        ).updates,
      );
    }
    expect(collectMatches(updates).map((m) => m.ruleId)).toContain('port-scan');
    expectHeldCounted(engine);
  });
});

describe('the memory budget under a dense load', () => {
  it('shares the budget among the groups when the windows alone hold too much, and still correlates', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR, maxSignals: 5_000 });
    const updates: MatchUpdate[] = [];
    // 30,000 detections of 50 drone tracks in 5 minutes (100 a second): well within every window.
    for (let i = 0; i < 30_000; i++) {
      updates.push(
        ...engine.push(aDroneEvent({ at: at(i * 10), site: 'kolwezi-1', key: `d${i}`, trackId: `trk-${i % 50}` }))
          .updates,
      );
      if (i % 1000 === 0) expectHeldCounted(engine);
    }
    const { signals, shedSignals } = engine.stats();
    expect(signals).toBeLessThan(5_000 + 2_048 * 4); // the budget, plus at most a sweep's worth of new signals
    expect(shedSignals).toBeGreaterThan(10_000);
    const loitering = collectMatches(updates).filter((m) => m.ruleId === 'drone-loitering');
    expect(new Set(loitering.map((m) => m.group['drone.trackId'])).size).toBe(50);
    expectHeldCounted(engine);
  });
});

describe('the memory budget under a burst from many sources', () => {
  it('lets the least recently active groups go when groups alone take half the budget', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR, maxSignals: 5_000 });
    // One probe each from 20,000 sources within 10 seconds: 20,000 port-scan groups, all in their window.
    for (let i = 0; i < 20_000; i++) {
      engine.push(
        aCyberEvent({
          at: at(i / 2),
          site: 'tarkwa-2',
          key: `p${i}`,
          srcIp: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
          dstPort: 443,
        }),
      );
      if (i % 1000 === 0) expectHeldCounted(engine);
    }
    const { groups, shedSignals } = engine.stats();
    expect(groups).toBeLessThan(5_000); // the budget's half for groups, plus what came in since the last sweep
    expect(shedSignals).toBeGreaterThan(10_000);
    const updates: MatchUpdate[] = [];
    for (let p = 0; p < 20; p++) {
      updates.push(
        ...engine.push(
          aCyberEvent({
            at: at(10_000 + p * 100),
            site: 'tarkwa-2',
            key: `s${p}`,
            srcIp: '10.9.9.9',
            dstPort: 2000 + p,
          }),
        ).updates,
      );
    }
    expect(collectMatches(updates).map((m) => m.ruleId)).toContain('port-scan');
    expectHeldCounted(engine);
  });
});

describe('fair shares', () => {
  it('lets holders under an even share keep all, and splits the rest evenly', () => {
    expect(fairShares([1, 500, 3000], 900)).toEqual([1, 449, 450]);
    expect(fairShares([5, 5], 100)).toEqual([5, 5]);
    expect(fairShares([10, 10, 10], 2)).toEqual([0, 1, 1]);
  });
});
