import type { Kind, Severity } from '../events/canonical-event.schema';
import { DEFAULT_SEVERITY, foldEvents, type FoldableEvent, type FoldOptions, type IncidentChange } from './fold-events';
import type { Incident } from './incident';

const SITE = 'kolwezi-1';
const GAP_MS = 10 * 60_000;
const NOW = t('03:00');

/** A time on the night of 29 November 2026, UTC: t('02:14'), t('02:14:30.250'). */
function t(time: string): Date {
  const date = new Date(`2026-11-29T${time.length === 5 ? `${time}:00` : time}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`not a time: ${time}`);
  return date;
}

let nextEventId = 1;
function anEvent(overrides: Partial<FoldableEvent> & { at: string }): FoldableEvent {
  const { at, ...rest } = overrides;
  return { id: nextEventId++, kind: 'drone', occurredAt: t(at), severity: 'medium', zone: 'tailings-east', ...rest };
}

/** Options with a deterministic id source: inc-1, inc-2, … for each call. */
function options(overrides: Partial<FoldOptions> = {}): FoldOptions {
  let n = 0;
  return {
    gapMs: GAP_MS,
    droneGate: { distanceM: 150, ms: 10_000 },
    now: NOW,
    newId: () => `inc-${++n}`,
    ...overrides,
  };
}

function anIncident(overrides: Partial<Incident> & { from: string; to: string }): Incident {
  const { from, to, ...rest } = overrides;
  return {
    id: 'existing-1',
    siteId: SITE,
    groupKey: 'drone',
    title: `Drone activity at ${SITE}, tailings-east`,
    severity: 'medium',
    status: 'open',
    kinds: ['drone'],
    ruleIds: ['drone-activity'],
    zones: ['tailings-east'],
    eventCount: 4,
    firstSeenAt: t(from),
    lastSeenAt: t(to),
    openedAt: t('02:00:05'),
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: t('02:30'),
    ...rest,
  };
}

function only(changes: IncidentChange[]): IncidentChange {
  expect(changes).toHaveLength(1);
  return changes[0];
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('foldEvents', () => {
  it('opens a new incident for a drone seen at a site with nothing active', () => {
    const event = anEvent({ at: '02:14', severity: 'high' });

    const change = only(foldEvents(SITE, [], [event], options()));

    expect(change).toEqual({
      type: 'opened',
      previousSeverity: null,
      eventIds: [event.id],
      notes: [],
      incident: {
        id: 'inc-1',
        siteId: SITE,
        groupKey: 'drone',
        title: 'Drone activity at kolwezi-1, tailings-east',
        severity: 'high',
        status: 'open',
        kinds: ['drone'],
        ruleIds: ['drone-activity'],
        zones: ['tailings-east'],
        eventCount: 1,
        firstSeenAt: t('02:14'),
        lastSeenAt: t('02:14'),
        openedAt: NOW,
        acknowledgedAt: null,
        acknowledgedBy: null,
        assignee: null,
        resolvedAt: null,
        resolution: null,
        updatedAt: NOW,
      },
    });
  });

  it('folds a burst of one kind, all within the gap, into one new incident', () => {
    const events = [anEvent({ at: '02:10' }), anEvent({ at: '02:15' }), anEvent({ at: '02:24' })];

    const change = only(foldEvents(SITE, [], events, options()));

    expect(change).toMatchObject({ type: 'opened', eventIds: events.map((e) => e.id) });
    expect(change.incident).toMatchObject({ eventCount: 3, firstSeenAt: t('02:10'), lastSeenAt: t('02:24') });
  });

  it('joins an event to the open incident when it comes within the gap of its last event', () => {
    const incident = anIncident({ from: '02:00', to: '02:10' });
    const event = anEvent({ at: '02:19', zone: 'pit-2' });

    const change = only(foldEvents(SITE, [incident], [event], options()));

    expect(change).toMatchObject({ type: 'updated', previousSeverity: 'medium', eventIds: [event.id] });
    expect(change.incident).toMatchObject({
      id: 'existing-1',
      eventCount: 5,
      firstSeenAt: t('02:00'),
      lastSeenAt: t('02:19'),
      zones: ['tailings-east', 'pit-2'],
      updatedAt: NOW,
      openedAt: t('02:00:05'),
    });
  });

  it('joins at exactly the gap and opens a second incident one millisecond beyond it', () => {
    const incident = anIncident({ from: '02:00', to: '02:10' });
    const atGap = anEvent({ at: '02:20:00.000' });
    const beyond = anEvent({ at: '02:20:00.001' });

    expect(only(foldEvents(SITE, [incident], [atGap], options()))).toMatchObject({
      type: 'updated',
      incident: { id: 'existing-1' },
    });
    const changes = foldEvents(SITE, [anIncident({ from: '02:00', to: '02:10' })], [beyond], options());
    expect(only(changes)).toMatchObject({ type: 'opened', incident: { id: 'inc-1', firstSeenAt: t('02:20:00.001') } });
  });

  it('opens a second incident for an event beyond the gap, leaving the first one alone', () => {
    const incident = anIncident({ from: '02:00', to: '02:10' });
    const near = anEvent({ at: '02:12' });
    const far = anEvent({ at: '02:40' });

    const changes = foldEvents(SITE, [incident], [near, far], options());

    expect(changes).toHaveLength(2);
    const updated = changes.find((c) => c.type === 'updated');
    const opened = changes.find((c) => c.type === 'opened');
    expect(updated).toMatchObject({
      incident: { id: 'existing-1', eventCount: 5, lastSeenAt: t('02:12') },
      eventIds: [near.id],
    });
    expect(opened).toMatchObject({
      incident: { id: 'inc-1', eventCount: 1, firstSeenAt: t('02:40') },
      eventIds: [far.id],
    });
  });

  it('never folds an event into an incident of another kind', () => {
    const incident = anIncident({ from: '02:00', to: '02:10' });
    const cyber = anEvent({ at: '02:05', kind: 'cyber', zone: undefined, what: 'ET SCAN Nmap' });

    const change = only(foldEvents(SITE, [incident], [cyber], options()));

    expect(change).toMatchObject({
      type: 'opened',
      incident: { groupKey: 'cyber', kinds: ['cyber'], ruleIds: ['cyber-activity'] },
    });
  });

  it('folds by event time, not arrival order: every order of the same events gives the same incidents', () => {
    // 02:00, 02:08 and 02:16 chain into one incident (each within 10 minutes of the previous),
    // but 02:16 alone is 16 minutes from 02:00: folded in arrival order 02:16, 02:00, 02:08 they
    // would split in two. 03:00 is far from all of them.
    const events = [
      anEvent({ at: '02:00' }),
      anEvent({ at: '02:08' }),
      anEvent({ at: '02:16' }),
      anEvent({ at: '03:00', severity: 'low' }),
    ];

    const results = permutations(events).map((order) => foldEvents(SITE, [], order, options()));

    const expected = [
      {
        type: 'opened',
        eventIds: [events[0].id, events[1].id, events[2].id],
        incident: { eventCount: 3, firstSeenAt: t('02:00'), lastSeenAt: t('02:16') },
      },
      {
        type: 'opened',
        eventIds: [events[3].id],
        incident: { eventCount: 1, firstSeenAt: t('03:00'), severity: 'low' },
      },
    ];
    expect(results).toHaveLength(24);
    for (const changes of results) expect(changes).toMatchObject(expected);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('raises the severity to the highest of the events and reports an existing incident as escalated', () => {
    const incident = anIncident({ from: '02:00', to: '02:10', severity: 'medium' });
    const events = [
      anEvent({ at: '02:11', severity: 'low' }),
      anEvent({ at: '02:12', severity: 'critical' }),
      anEvent({ at: '02:13', severity: 'high' }),
    ];

    const change = only(foldEvents(SITE, [incident], events, options()));

    expect(change).toMatchObject({
      type: 'escalated',
      previousSeverity: 'medium',
      incident: { severity: 'critical', eventCount: 7 },
    });
  });

  it('never lowers the severity: a low event joining a high incident is an update', () => {
    const incident = anIncident({ from: '02:00', to: '02:10', severity: 'high' });

    const change = only(foldEvents(SITE, [incident], [anEvent({ at: '02:11', severity: 'low' })], options()));

    expect(change).toMatchObject({ type: 'updated', previousSeverity: 'high', incident: { severity: 'high' } });
  });

  it('keeps a severity raised by escalation: lower events folding in afterwards leave it critical', () => {
    // Escalated from high to critical because nobody acknowledged it; its events were all high.
    const escalated = anIncident({ from: '02:00', to: '02:10', severity: 'critical' });
    const events = [anEvent({ at: '02:11', severity: 'high' }), anEvent({ at: '02:12', severity: 'info' })];

    const change = only(foldEvents(SITE, [escalated], events, options()));

    expect(change).toMatchObject({
      type: 'updated',
      previousSeverity: 'critical',
      incident: { severity: 'critical', eventCount: 6 },
    });
  });

  it('reports a new incident as opened at the highest severity of its events, not as escalated', () => {
    const events = [anEvent({ at: '02:10', severity: 'info' }), anEvent({ at: '02:11', severity: 'critical' })];

    expect(only(foldEvents(SITE, [], events, options()))).toMatchObject({
      type: 'opened',
      previousSeverity: null,
      incident: { severity: 'critical' },
    });
  });

  it('never joins a resolved incident, however close in time', () => {
    const resolved = anIncident({
      from: '02:00',
      to: '02:10',
      status: 'resolved',
      resolvedAt: t('02:30'),
      resolution: 'true_positive',
    });
    const event = anEvent({ at: '02:05' });

    const change = only(foldEvents(SITE, [resolved], [event], options()));

    expect(change).toMatchObject({ type: 'opened', incident: { id: 'inc-1', eventCount: 1 } });
    expect(resolved).toMatchObject({ eventCount: 4, lastSeenAt: t('02:10') });
  });

  it('joins an acknowledged incident (only resolution closes an incident to new events)', () => {
    const acknowledged = anIncident({
      from: '02:00',
      to: '02:10',
      status: 'acknowledged',
      acknowledgedAt: t('02:20'),
      acknowledgedBy: 'u-1',
    });

    expect(only(foldEvents(SITE, [acknowledged], [anEvent({ at: '02:12' })], options()))).toMatchObject({
      type: 'updated',
      incident: { id: 'existing-1', status: 'acknowledged' },
    });
  });

  it('extends firstSeenAt back when a late event from before the incident arrives within the gap', () => {
    const incident = anIncident({ from: '02:10', to: '02:20' });
    const late = anEvent({ at: '02:03' });

    const change = only(foldEvents(SITE, [incident], [late], options()));

    expect(change).toMatchObject({
      type: 'updated',
      incident: { id: 'existing-1', firstSeenAt: t('02:03'), lastSeenAt: t('02:20') },
    });
  });

  it('joins the nearest of two incidents the event could belong to', () => {
    const early = anIncident({ id: 'early', from: '02:00', to: '02:05' });
    const later = anIncident({ id: 'later', from: '02:14', to: '02:20' });

    const change = only(foldEvents(SITE, [early, later], [anEvent({ at: '02:12' })], options()));

    expect(change.incident.id).toBe('later');
  });

  it.each<[Kind, Severity]>([
    ['drone', 'medium'],
    ['cyber', 'medium'],
    ['theft', 'high'],
  ])('gives a %s event without a severity of its own the default %s', (kind, severity) => {
    const event = anEvent({ at: '02:10', kind, severity: undefined });

    expect(DEFAULT_SEVERITY[kind]).toBe(severity);
    expect(only(foldEvents(SITE, [], [event], options())).incident.severity).toBe(severity);
  });

  it('escalates a low theft incident when a theft event without severity (default high) joins', () => {
    const incident = anIncident({ from: '02:00', to: '02:10', groupKey: 'theft', kinds: ['theft'], severity: 'low' });

    expect(
      only(foldEvents(SITE, [incident], [anEvent({ at: '02:11', kind: 'theft', severity: undefined })], options())),
    ).toMatchObject({
      type: 'escalated',
      incident: { severity: 'high' },
    });
  });

  it('titles an incident with its kind, site, zone and what the sensor saw', () => {
    const drone = anEvent({ at: '02:10', zone: 'tailings-east', what: 'rf' });
    const cyber = anEvent({ at: '02:10', kind: 'cyber', zone: undefined, what: 'ET SCAN Nmap' });
    const theft = anEvent({ at: '02:10', kind: 'theft', zone: 'north-fence', what: 'perimeter_breach' });

    const titles = foldEvents('tarkwa-2', [], [drone, cyber, theft], options()).map((c) => c.incident.title);

    expect(titles.sort()).toEqual([
      'Cyber activity at tarkwa-2: ET SCAN Nmap',
      'Drone activity at tarkwa-2, tailings-east: rf',
      'Theft activity at tarkwa-2, north-fence: perimeter_breach',
    ]);
  });

  it('keeps a title to 200 characters whatever the signature', () => {
    const change = only(
      foldEvents(SITE, [], [anEvent({ at: '02:10', kind: 'cyber', what: 'X'.repeat(1000) })], options()),
    );

    expect(change.incident.title).toHaveLength(200);
    expect(change.incident.title.startsWith('Cyber activity at kolwezi-1, tailings-east: XXX')).toBe(true);
  });

  it('leaves the incidents it was given untouched (it returns changed copies)', () => {
    const incident = anIncident({ from: '02:00', to: '02:10' });
    const before = structuredClone(incident);

    foldEvents(SITE, [incident], [anEvent({ at: '02:12', severity: 'critical', zone: 'pit-2' })], options());

    expect(incident).toEqual(before);
  });

  it('returns no change for no events', () => {
    expect(foldEvents(SITE, [anIncident({ from: '02:00', to: '02:10' })], [], options())).toEqual([]);
  });
});
