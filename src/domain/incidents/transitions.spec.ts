import type { Incident } from './incident';
import { transitions } from './transitions';

const t = (hhmm: string) => new Date(`2026-11-29T${hhmm}:00Z`);

function anIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: '7f3c0a52-0000-4000-8000-000000000001',
    siteId: 'kolwezi-1',
    groupKey: 'theft',
    title: 'Theft activity at kolwezi-1, north-fence',
    severity: 'high',
    status: 'open',
    kinds: ['theft'],
    ruleIds: ['theft-activity'],
    zones: ['north-fence'],
    eventCount: 3,
    firstSeenAt: t('02:10'),
    lastSeenAt: t('02:14'),
    openedAt: t('02:10'),
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: t('02:14'),
    ...overrides,
  };
}

describe('the incident lifecycle', () => {
  it('acknowledges an open incident, recording who and when', () => {
    const result = transitions.acknowledge(anIncident(), 'amani', t('02:20'));
    expect(result).toMatchObject({
      ok: true,
      change: 'acknowledged',
      incident: { status: 'acknowledged', acknowledgedBy: 'amani', acknowledgedAt: t('02:20') },
    });
  });

  it('refuses to acknowledge twice or after resolution', () => {
    expect(transitions.acknowledge(anIncident({ status: 'acknowledged' }), 'amani', t('02:20'))).toEqual({
      ok: false,
      error: 'already-acknowledged',
    });
    expect(transitions.acknowledge(anIncident({ status: 'resolved' }), 'amani', t('02:20'))).toEqual({
      ok: false,
      error: 'already-resolved',
    });
  });

  it('resolves an open or acknowledged incident with its resolution and note', () => {
    for (const status of ['open', 'acknowledged'] as const) {
      const result = transitions.resolve(anIncident({ status }), 'false_positive', 'wildlife on the fence', t('03:00'));
      expect(result).toMatchObject({
        ok: true,
        change: 'resolved',
        incident: { status: 'resolved', resolution: 'false_positive', resolvedAt: t('03:00') },
        entry: { action: 'resolved', details: { resolution: 'false_positive', note: 'wildlife on the fence' } },
      });
    }
    expect(transitions.resolve(anIncident({ status: 'resolved' }), 'duplicate', undefined, t('03:00'))).toEqual({
      ok: false,
      error: 'already-resolved',
    });
  });

  it('reopens only a resolved incident, back to open with the resolution cleared', () => {
    const resolved = anIncident({
      status: 'resolved',
      resolution: 'true_positive',
      resolvedAt: t('03:00'),
      acknowledgedBy: 'amani',
      acknowledgedAt: t('02:20'),
    });
    expect(transitions.reopen(resolved, t('04:00'))).toMatchObject({
      ok: true,
      change: 'reopened',
      incident: { status: 'open', resolution: null, resolvedAt: null, acknowledgedAt: null },
    });
    expect(transitions.reopen(anIncident(), t('04:00'))).toEqual({ ok: false, error: 'not-resolved' });
  });

  it('assigns an unresolved incident, and takes notes in any state', () => {
    expect(transitions.assign(anIncident(), 'user-2', t('02:30'))).toMatchObject({
      ok: true,
      change: 'assigned',
      incident: { assignee: 'user-2' },
    });
    expect(transitions.assign(anIncident({ assignee: 'user-2' }), 'user-2', t('02:30'))).toEqual({
      ok: false,
      error: 'already-assigned',
    });
    expect(transitions.assign(anIncident({ status: 'resolved' }), 'user-2', t('02:30'))).toEqual({
      ok: false,
      error: 'already-resolved',
    });
    expect(transitions.note(anIncident({ status: 'resolved' }), 'CCTV reviewed', t('05:00'))).toMatchObject({
      ok: true,
      change: 'noted',
      entry: { details: { text: 'CCTV reviewed' } },
    });
  });
});
