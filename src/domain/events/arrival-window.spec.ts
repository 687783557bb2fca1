import { ARRIVAL_SLACK_MS, arrivalWindow, earliest } from './arrival-window';

const DAY = 86_400_000;
const bounds = { maxFutureMs: 300_000, maxLatenessMs: 30 * DAY, boundedSince: new Date('2026-01-01T00:00:00Z') };

describe('arrivalWindow', () => {
  it('widens an event-time range by the future bound before and the lateness bound after', () => {
    const from = new Date('2026-06-01T00:00:00Z');
    const to = new Date('2026-06-02T00:00:00Z');
    expect(arrivalWindow(bounds, { from, to })).toEqual({
      from: new Date(from.getTime() - 300_000 - ARRIVAL_SLACK_MS),
      to: new Date(to.getTime() + 30 * DAY + ARRIVAL_SLACK_MS),
      boundedSince: bounds.boundedSince,
    });
  });

  it('leaves an open end open', () => {
    const to = new Date('2026-06-02T00:00:00Z');
    const w = arrivalWindow(bounds, { to });
    expect(w?.from).toBeUndefined();
    expect(w?.to).toEqual(new Date(to.getTime() + 30 * DAY + ARRIVAL_SLACK_MS));
  });

  it('narrows nothing without a range', () => {
    expect(arrivalWindow(bounds, {})).toBeUndefined();
  });

  it('keeps an event that arrived as late and as early as ingest allows', () => {
    const occurred = new Date('2026-06-01T12:00:00Z');
    const w = arrivalWindow(bounds, { from: occurred, to: occurred })!;
    const latest = new Date(occurred.getTime() + bounds.maxLatenessMs);
    const soonest = new Date(occurred.getTime() - bounds.maxFutureMs);
    expect(w.from!.getTime()).toBeLessThanOrEqual(soonest.getTime());
    expect(w.to!.getTime()).toBeGreaterThanOrEqual(latest.getTime());
  });
});

describe('earliest', () => {
  it('picks the earlier of two times, or the one given', () => {
    const a = new Date('2026-06-01T00:00:00Z');
    const b = new Date('2026-06-02T00:00:00Z');
    expect(earliest(a, b)).toBe(a);
    expect(earliest(b, a)).toBe(a);
    expect(earliest(undefined, b)).toBe(b);
    expect(earliest(a, undefined)).toBe(a);
    expect(earliest(undefined, undefined)).toBeUndefined();
  });
});
