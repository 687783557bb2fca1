import {
  bytesPerMillionEvents,
  DEFAULT_RETENTION_DAYS,
  historySiteIds,
  planHistory,
  steadyState,
} from './history-plan';

const endAt = new Date('2026-12-01T00:00:00Z');
const base = {
  events: 1_000_003,
  months: 6,
  endAt,
  benchSites: ['mine-01', 'mine-02'],
  otherSites: 9,
  chunkEvents: 100_000,
  workers: 2,
};

describe('planHistory', () => {
  const chunks = planHistory(base);

  it('writes exactly the events asked for, no chunk larger than chunkEvents', () => {
    expect(chunks.reduce((sum, c) => sum + c.events, 0)).toBe(1_000_003);
    expect(Math.max(...chunks.map((c) => c.events))).toBeLessThanOrEqual(100_000);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('deals each site to one worker only, the bench sites included', () => {
    const owner = new Map<string, number>();
    for (const c of chunks) {
      for (const site of c.siteIds) {
        expect(owner.get(site) ?? c.worker).toBe(c.worker);
        owner.set(site, c.worker);
      }
    }
    expect([...owner.keys()].sort()).toEqual(['mine-01', 'mine-02', ...historySiteIds(9)].sort());
  });

  it("covers each worker's months without gap or overlap, ending at endAt", () => {
    for (const worker of [0, 1]) {
      const mine = chunks.filter((c) => c.worker === worker);
      expect(mine[0].from.getTime()).toBe(endAt.getTime() - 6 * 30 * 86_400_000);
      for (let i = 1; i < mine.length; i++) expect(mine[i].from).toEqual(mine[i - 1].to);
      expect(mine[mine.length - 1].to).toEqual(endAt);
    }
  });

  it('shares the events by sites: the same rate at every site', () => {
    const perWorker = [0, 1].map((w) => chunks.filter((c) => c.worker === w));
    const rate = perWorker.map((cs) => cs.reduce((s, c) => s + c.events, 0) / cs[0].siteIds.length);
    expect(Math.abs(rate[0] - rate[1]) / rate[0]).toBeLessThan(0.001);
  });

  it('refuses nonsense sizes', () => {
    expect(() => planHistory({ ...base, events: 0 })).toThrow(/positive/);
    expect(() => planHistory({ ...base, workers: 0 })).toThrow(/positive/);
  });
});

describe('steadyState', () => {
  // 1,000 events of 700 bytes, 10 incidents, 40 timeline entries, 40 live messages, 2 rejected.
  const measured = {
    events: { rows: 1000, bytes: 700_000 },
    incident_events: { rows: 1000, bytes: 50_000 },
    incidents: { rows: 10, bytes: 20_000 },
    incident_timeline: { rows: 40, bytes: 200_000 },
    live_messages: { rows: 40, bytes: 40_000 },
    rejected_events: { rows: 2, bytes: 1_000 },
  };

  it('keeps each table for its own retention, at its measured bytes per row', () => {
    const s = steadyState(measured, 100, DEFAULT_RETENTION_DAYS, 0);
    const perDay = 100 * 86_400;
    expect(s.tables.events.rows).toBe(perDay * 365);
    expect(s.tables.events.bytes).toBe(perDay * 365 * 700);
    expect(s.tables.live_messages.rows).toBe(Math.round(perDay * 0.04 * 30));
    expect(s.tables.rejected_events.bytes).toBe(Math.round(perDay * 0.002 * 90 * 500));
    expect(s.tables.sensor_health_changes).toBeUndefined();
    expect(s.totalBytes).toBe(Math.round(Object.values(s.tables).reduce((a, t) => a + t.bytes, 0)));
  });

  it('keeps events outside incidents only for their shorter retention', () => {
    const s = steadyState(measured, 100, DEFAULT_RETENTION_DAYS, 0.5);
    expect(s.tables.events.rows).toBe(100 * 86_400 * (0.5 * 30 + 0.5 * 365));
  });

  it('gives the disk per million events over every growing table', () => {
    expect(bytesPerMillionEvents(measured)).toBe(1_011_000_000);
  });
});
