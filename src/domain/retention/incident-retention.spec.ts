import {
  incidentMayLeave,
  incidentMayLeaveAt,
  resolvedBefore,
  type IncidentRetentionState,
} from './incident-retention';

const resolvedAt = new Date('2026-01-10T08:00:00Z');
const resolved: IncidentRetentionState = { status: 'resolved', resolvedAt, legalHold: false };

describe('incidentMayLeaveAt', () => {
  it('is the retention after its resolution', () => {
    expect(incidentMayLeaveAt(resolved, 30)?.toISOString()).toBe('2026-02-09T08:00:00.000Z');
  });

  it('is never while open or acknowledged, under legal hold, or with resolved incidents kept forever', () => {
    expect(incidentMayLeaveAt({ ...resolved, status: 'open' }, 30)).toBeNull();
    expect(incidentMayLeaveAt({ ...resolved, status: 'acknowledged' }, 30)).toBeNull();
    expect(incidentMayLeaveAt({ ...resolved, legalHold: true }, 30)).toBeNull();
    expect(incidentMayLeaveAt(resolved, null)).toBeNull();
    expect(incidentMayLeaveAt({ ...resolved, resolvedAt: null }, 30)).toBeNull();
  });
});

describe('incidentMayLeave', () => {
  it('leaves once the whole retention has passed since its resolution, not a millisecond before', () => {
    expect(incidentMayLeave(resolved, 30, new Date('2026-02-09T07:59:59.999Z'))).toBe(false);
    expect(incidentMayLeave(resolved, 30, new Date('2026-02-09T08:00:00.000Z'))).toBe(true);
  });

  it('stays when reopened or held, however old its resolution', () => {
    const later = new Date('2030-01-01T00:00:00Z');
    expect(incidentMayLeave({ ...resolved, status: 'open' }, 30, later)).toBe(false);
    expect(incidentMayLeave({ ...resolved, legalHold: true }, 30, later)).toBe(false);
  });
});

describe('resolvedBefore', () => {
  it('is the bound incidentMayLeave applies, and none when kept forever', () => {
    const now = new Date('2026-02-09T08:00:00Z');
    const cut = resolvedBefore(now, 30);
    expect(cut?.toISOString()).toBe(resolvedAt.toISOString());
    expect(incidentMayLeave({ ...resolved, resolvedAt: cut }, 30, now)).toBe(true);
    expect(resolvedBefore(now, null)).toBeNull();
  });
});
