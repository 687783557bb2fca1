import { heldBack, silenceMatches, type HoldableEvent, type SiteHolds } from './held-back';
import type { Silence } from './silence';
import { inWeeklyWindow } from './weekly-window';

const at = (iso: string) => new Date(iso);

function aTheft(overrides: Partial<HoldableEvent> = {}): HoldableEvent {
  return {
    siteId: 'kolwezi-1',
    sensorId: 'fence-north-4',
    kind: 'theft',
    zone: 'north-fence',
    occurredAt: at('2026-03-04T10:00:00Z'),
    details: { category: 'perimeter_breach' },
    ...overrides,
  };
}

function aDrone(uasId: string | undefined, overrides: Partial<HoldableEvent> = {}): HoldableEvent {
  return {
    siteId: 'kolwezi-1',
    sensorId: 'rf-mast-2',
    kind: 'drone',
    zone: 'tailings-east',
    occurredAt: at('2026-03-04T10:00:00Z'),
    details: { detection: 'remote_id', position: { lat: -10.7, lon: 25.4 }, ...(uasId ? { uasId } : {}) },
    ...overrides,
  };
}

const maintenance: Silence = {
  id: 'fence-works',
  siteId: 'kolwezi-1',
  zone: 'north-fence',
  startsAt: at('2026-03-04T08:00:00Z'),
  endsAt: at('2026-03-04T16:00:00Z'),
};

const holds = (silences: Silence[], timeZone = 'Africa/Lubumbashi'): SiteHolds => ({
  timeZone,
  silences,
  authorizedDrones: [{ id: 'survey-drone', siteId: 'kolwezi-1', uasId: '1596F3BCD5' }],
});

describe('heldBack', () => {
  it('holds back a fence alarm in the zone where contractors are replacing the fence', () => {
    expect(heldBack(aTheft(), holds([maintenance]))).toEqual({ by: 'silence', id: 'fence-works' });
  });

  it('lets through the same alarm from another zone, another site, or outside the works', () => {
    expect(heldBack(aTheft({ zone: 'ore-yard' }), holds([maintenance]))).toBeUndefined();
    expect(heldBack(aTheft({ siteId: 'tarkwa-2' }), holds([maintenance]))).toBeUndefined();
    expect(heldBack(aTheft({ occurredAt: at('2026-03-04T16:00:00Z') }), holds([maintenance]))).toBeUndefined();
    expect(heldBack(aTheft({ occurredAt: at('2026-03-04T07:59:59Z') }), holds([maintenance]))).toBeUndefined();
  });

  it('judges a late event by when it happened, not when it is folded', () => {
    expect(heldBack(aTheft({ occurredAt: at('2026-03-04T15:59:59Z') }), holds([maintenance]))).toBeDefined();
  });

  it('narrows by sensor and kind', () => {
    const sensor: Silence = { ...maintenance, zone: undefined, sensorId: 'fence-north-4' };
    expect(silenceMatches(sensor, aTheft(), 'UTC')).toBe(true);
    expect(silenceMatches(sensor, aTheft({ sensorId: 'fence-north-5' }), 'UTC')).toBe(false);
    const cyberOnly: Silence = { ...maintenance, zone: undefined, kind: 'cyber' };
    expect(silenceMatches(cyberOnly, aTheft(), 'UTC')).toBe(false);
  });

  it('matches a field path against one value or any of a list', () => {
    const scans: Silence = { ...maintenance, zone: undefined, match: { 'cyber.signatureId': [2009358, 2010937] } };
    const cyber = (signatureId: number): HoldableEvent =>
      aTheft({ kind: 'cyber', zone: undefined, details: { category: 'scan', signatureId, signature: 'ET SCAN' } });
    expect(silenceMatches(scans, cyber(2010937), 'UTC')).toBe(true);
    expect(silenceMatches(scans, cyber(2000001), 'UTC')).toBe(false);
    // The path names the kind: a theft event never matches a cyber field.
    expect(silenceMatches(scans, aTheft(), 'UTC')).toBe(false);
  });

  it('compares numbers written as text and reaches into nested fields', () => {
    const bySignature: Silence = { ...maintenance, zone: undefined, match: { 'cyber.signatureId': '2009358' } };
    expect(silenceMatches(bySignature, aTheft({ kind: 'cyber', details: { signatureId: 2009358 } }), 'UTC')).toBe(true);
    const low: Silence = {
      ...maintenance,
      zone: undefined,
      match: { 'drone.detection': 'remote_id', 'drone.position.lat': -10.7 },
    };
    expect(silenceMatches(low, aDrone(undefined), 'UTC')).toBe(true);
    expect(silenceMatches({ ...low, match: { 'drone.position.lat': -10.8 } }, aDrone(undefined), 'UTC')).toBe(false);
    // Every field must match; a missing field or an object never does.
    expect(
      silenceMatches(
        { ...low, match: { 'drone.detection': 'remote_id', 'drone.model': 'M30' } },
        aDrone(undefined),
        'UTC',
      ),
    ).toBe(false);
    expect(silenceMatches({ ...low, match: { 'drone.position': 'x' } }, aDrone(undefined), 'UTC')).toBe(false);
  });

  it("holds back the company's own survey drone but not a stranger's or one without a Remote ID", () => {
    expect(heldBack(aDrone('1596F3BCD5'), holds([]))).toEqual({ by: 'authorized-drone', id: 'survey-drone' });
    expect(heldBack(aDrone('1596F3BCD6'), holds([]))).toBeUndefined();
    expect(heldBack(aDrone(undefined), holds([]))).toBeUndefined();
    expect(heldBack(aDrone('1596F3BCD5', { siteId: 'tarkwa-2' }), holds([]))).toBeUndefined();
  });

  it('prefers the allowlist over a silence that would also hold the drone back', () => {
    const drones: Silence = {
      id: 'all-drones',
      siteId: 'kolwezi-1',
      kind: 'drone',
      endsAt: at('2027-01-01T00:00:00Z'),
    };
    expect(heldBack(aDrone('1596F3BCD5'), holds([drones]))).toEqual({ by: 'authorized-drone', id: 'survey-drone' });
    expect(heldBack(aDrone('OTHER'), holds([drones]))).toEqual({ by: 'silence', id: 'all-drones' });
  });
});

describe('weekly silences, on the site clock', () => {
  const nightShift = { days: ['fri' as const], start: '22:00', end: '06:00' };
  const blasting: Silence = {
    id: 'blasting',
    siteId: 'kolwezi-1',
    kind: 'theft',
    recurrence: { days: ['tue', 'thu'], start: '13:00', end: '14:00' },
  };

  it('holds back the Tuesday blasting hour in Kolwezi time (UTC+2), not in UTC', () => {
    // Tuesday 2026-03-03, 13:30 in Lubumbashi is 11:30Z.
    expect(heldBack(aTheft({ occurredAt: at('2026-03-03T11:30:00Z') }), holds([blasting]))).toBeDefined();
    expect(heldBack(aTheft({ occurredAt: at('2026-03-03T13:30:00Z') }), holds([blasting]))).toBeUndefined();
    // Wednesday: not a listed day.
    expect(heldBack(aTheft({ occurredAt: at('2026-03-04T11:30:00Z') }), holds([blasting]))).toBeUndefined();
  });

  it('reads the same instant differently in Perth (UTC+8)', () => {
    // 05:30Z Tuesday is 13:30 in Perth and 07:30 in Lubumbashi.
    const event = aTheft({ occurredAt: at('2026-03-03T05:30:00Z') });
    expect(heldBack(event, holds([blasting], 'Australia/Perth'))).toBeDefined();
    expect(heldBack(event, holds([blasting], 'Africa/Lubumbashi'))).toBeUndefined();
  });

  it('runs a window past midnight into the next day', () => {
    expect(inWeeklyWindow(at('2026-03-06T23:30:00Z'), nightShift, 'UTC')).toBe(true); // Fri 23:30
    expect(inWeeklyWindow(at('2026-03-07T05:59:00Z'), nightShift, 'UTC')).toBe(true); // Sat 05:59
    expect(inWeeklyWindow(at('2026-03-07T06:00:00Z'), nightShift, 'UTC')).toBe(false); // Sat 06:00
    expect(inWeeklyWindow(at('2026-03-06T05:00:00Z'), nightShift, 'UTC')).toBe(false); // Fri 05:00: Thursday night is not listed
    expect(inWeeklyWindow(at('2026-03-07T23:00:00Z'), nightShift, 'UTC')).toBe(false); // Sat 23:00
  });

  it("wraps Sunday night's window into Monday morning", () => {
    const sundayNight = { days: ['sun' as const], start: '23:00', end: '01:00' };
    expect(inWeeklyWindow(at('2026-03-09T00:30:00Z'), sundayNight, 'UTC')).toBe(true); // Mon 00:30
    expect(inWeeklyWindow(at('2026-03-09T01:30:00Z'), sundayNight, 'UTC')).toBe(false);
  });

  it('keeps local hours across the DST changes in Berlin', () => {
    const window = { days: ['sat' as const, 'sun' as const], start: '02:00', end: '04:00' };
    // Winter (CET, UTC+1): 02:30 local is 01:30Z.
    expect(inWeeklyWindow(at('2026-03-28T01:30:00Z'), window, 'Europe/Berlin')).toBe(true);
    // Summer time starts Sunday 2026-03-29 at 02:00 → 03:00: 01:30Z is 03:30 CEST, inside; 02:30Z is 04:30, outside.
    expect(inWeeklyWindow(at('2026-03-29T01:30:00Z'), window, 'Europe/Berlin')).toBe(true);
    expect(inWeeklyWindow(at('2026-03-29T02:30:00Z'), window, 'Europe/Berlin')).toBe(false);
    // Summer time ends Sunday 2026-10-25 at 03:00 → 02:00: 02:00–04:00 local lasts three hours, 00:00Z to 03:00Z.
    expect(inWeeklyWindow(at('2026-10-24T23:59:00Z'), window, 'Europe/Berlin')).toBe(false); // 01:59 CEST
    expect(inWeeklyWindow(at('2026-10-25T00:30:00Z'), window, 'Europe/Berlin')).toBe(true); // 02:30 CEST
    expect(inWeeklyWindow(at('2026-10-25T01:30:00Z'), window, 'Europe/Berlin')).toBe(true); // 02:30 CET
    expect(inWeeklyWindow(at('2026-10-25T02:30:00Z'), window, 'Europe/Berlin')).toBe(true); // 03:30 CET
    expect(inWeeklyWindow(at('2026-10-25T03:00:00Z'), window, 'Europe/Berlin')).toBe(false); // 04:00 CET
  });

  it('bounds a weekly window by startsAt and endsAt when given', () => {
    const bounded: Silence = { ...blasting, startsAt: at('2026-03-05T00:00:00Z') };
    expect(heldBack(aTheft({ occurredAt: at('2026-03-03T11:30:00Z') }), holds([bounded]))).toBeUndefined(); // the Tuesday before
    expect(heldBack(aTheft({ occurredAt: at('2026-03-05T11:30:00Z') }), holds([bounded]))).toBeDefined(); // Thursday
  });
});
