import { join } from 'node:path';
import { loadRules } from '../../correlation/load-rules';
import { collectMatches } from './correlate';
import { CorrelationEngine, type MatchUpdate } from './correlation-engine';
import { aCyberEvent, aDroneEvent, aTheftEvent } from './fixtures/correlation-events';

const defaults = loadRules(join(__dirname, '../../../rules'));
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse('2026-11-29T02:00:00Z') + ms).toISOString().slice(11, 23);

describe('the storm limit', () => {
  it('bounds what one group holds, keeps the storm one match, and refuses signals behind what it shed', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR, maxGroupSignals: 200 });
    const updates: MatchUpdate[] = [];
    // A breach, then 5,000 drone detections over the site within 10 minutes (one per 120 ms).
    updates.push(...engine.push(aTheftEvent({ at: at(0), site: 'kolwezi-1', zone: 'north-fence', key: 'breach' })).updates);
    for (let i = 1; i <= 5000; i++) {
      updates.push(...engine.push(aDroneEvent({ at: at(i * 120), site: 'kolwezi-1', key: `d${i}` })).updates);
      // Every group stays within the limit.
      if (i % 500 === 0) expect(engine.stats().signals).toBeLessThanOrEqual(200 * 3);
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
  });

  it('without a limit, holds every signal the windows and lateness reach', () => {
    const engine = new CorrelationEngine(defaults, { allowedLatenessMs: HOUR });
    for (let i = 1; i <= 1000; i++) engine.push(aCyberEvent({ at: at(i * 100), site: 'tarkwa-2', key: `c${i}`, category: 'auth_failure' }));
    expect(engine.stats()).toMatchObject({ shedSignals: 0 });
    expect(engine.stats().signals).toBeGreaterThanOrEqual(1000);
  });
});
