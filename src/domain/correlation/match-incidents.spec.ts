import type { Incident } from '../incidents/incident';
import type { MatchUpdate } from './correlation-engine';
import { foldMatches, ruleGroupKey, ruleIncidentTitle, type MatchedEvent } from './match-incidents';

const SITE = 'kolwezi-1';
const NOW = new Date('2026-11-29T12:00:00Z');
const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 11, minute));

let ids = 0;
const options = { gapMs: 10 * 60_000, now: NOW, newId: () => `new-${++ids}` };

function incident(overrides: Partial<Incident>): Incident {
  return {
    id: 'inc',
    siteId: SITE,
    groupKey: 'theft',
    title: 'Theft activity at kolwezi-1',
    severity: 'high',
    status: 'open',
    kinds: ['theft'],
    ruleIds: ['theft-activity'],
    zones: [],
    eventCount: 1,
    firstSeenAt: at(0),
    lastSeenAt: at(0),
    openedAt: at(0),
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: at(0),
    ...overrides,
  };
}

function update(overrides: Partial<MatchUpdate>): MatchUpdate {
  return {
    matchId: 'm:1',
    ruleId: 'coordinated-intrusion',
    title: 'Drone overflight with perimeter breach',
    severity: 'critical',
    siteId: SITE,
    group: { siteId: SITE },
    reason: 'drone_overflight and perimeter_breach within 15m',
    newEventKeys: ['1', '2'],
    absorbedMatchIds: [],
    firstAt: at(1),
    lastAt: at(3),
    ...overrides,
  };
}

const events = (...list: MatchedEvent[]) => new Map(list.map((e) => [e.key, e]));

describe('foldMatches', () => {
  beforeEach(() => (ids = 0));

  it('opens an incident of the rule when its events lie in several incidents', () => {
    const drone = incident({ id: 'drone-inc', groupKey: 'drone:uas:X', kinds: ['drone'], severity: 'medium' });
    const theft = incident({ id: 'theft-inc' });
    const changes = foldMatches(
      SITE,
      [drone, theft],
      [update({})],
      events(
        { key: '1', kind: 'drone', baseIncidentId: 'drone-inc' },
        { key: '2', kind: 'theft', zone: 'fence-north', baseIncidentId: 'theft-inc' },
      ),
      options,
    );
    expect(changes).toHaveLength(1);
    const [opened] = changes;
    expect(opened.type).toBe('opened');
    expect(opened.eventIds).toEqual([1, 2]);
    expect(opened.matchedEventIds).toEqual([1, 2]);
    expect(opened.incident).toMatchObject({
      id: 'new-1',
      groupKey: `rule:coordinated-intrusion:siteId=${SITE}`,
      title: 'Drone overflight with perimeter breach at kolwezi-1',
      severity: 'critical',
      kinds: ['drone', 'theft'],
      zones: ['fence-north'],
      ruleIds: ['coordinated-intrusion'],
      eventCount: 2,
      firstSeenAt: at(1),
      lastSeenAt: at(3),
    });
    expect(opened.entries).toEqual([
      {
        action: 'rule-matched',
        details: expect.objectContaining({ ruleId: 'coordinated-intrusion', eventIds: [1, 2], eventCount: 2 }),
      },
    ]);
    // The incidents the events lie in are left as they are.
    expect(drone.severity).toBe('medium');
  });

  it('lets a growing match, and a new match of the same group within the gap, join the rule incident', () => {
    const own = incident({
      id: 'rule-inc',
      groupKey: `rule:coordinated-intrusion:siteId=${SITE}`,
      kinds: ['drone', 'theft'],
      severity: 'critical',
      eventCount: 2,
      firstSeenAt: at(1),
      lastSeenAt: at(3),
    });
    const changes = foldMatches(
      SITE,
      [own],
      [
        update({ newEventKeys: ['7'], firstAt: at(1), lastAt: at(5) }),
        update({ matchId: 'm:2', newEventKeys: ['9'], firstAt: at(12), lastAt: at(12) }),
      ],
      events({ key: '7', kind: 'drone', zone: 'pit' }, { key: '9', kind: 'drone' }),
      options,
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ type: 'updated', eventIds: [7, 9], matchedEventIds: [7, 9] });
    expect(changes[0].incident).toMatchObject({ eventCount: 4, lastSeenAt: at(12), zones: ['pit'] });
    // One entry for the fold, naming both updates' events.
    expect(changes[0].entries).toEqual([
      {
        action: 'events-joined',
        details: expect.objectContaining({ ruleId: 'coordinated-intrusion', eventIds: [7, 9], eventCount: 2 }),
      },
    ]);
  });

  it('opens a second rule incident for a match beyond the gap, or for another group', () => {
    const own = incident({
      id: 'rule-inc',
      groupKey: 'rule:brute-force:cyber.srcIp=10.0.0.9',
      firstSeenAt: at(0),
      lastSeenAt: at(1),
    });
    const far = update({
      ruleId: 'brute-force',
      group: { 'cyber.srcIp': '10.0.0.9' },
      newEventKeys: ['5'],
      firstAt: at(30),
      lastAt: at(31),
    });
    const other = update({
      ruleId: 'brute-force',
      group: { 'cyber.srcIp': '10.0.0.10' },
      newEventKeys: ['6'],
      firstAt: at(1),
      lastAt: at(1),
    });
    const changes = foldMatches(
      SITE,
      [own],
      [far, other],
      events({ key: '5', kind: 'cyber' }, { key: '6', kind: 'cyber' }),
      options,
    );
    expect(changes.map((c) => c.type)).toEqual(['opened', 'opened']);
    expect(changes.map((c) => c.incident.groupKey)).toEqual([
      'rule:brute-force:cyber.srcIp=10.0.0.9',
      'rule:brute-force:cyber.srcIp=10.0.0.10',
    ]);
  });

  it('escalates the one incident that holds all of a match, once per rule', () => {
    const cyber = incident({
      id: 'cyber-inc',
      groupKey: 'cyber',
      kinds: ['cyber'],
      severity: 'medium',
      title: 'Cyber activity at kolwezi-1',
    });
    const brute = update({
      ruleId: 'brute-force',
      title: 'Brute force from one source',
      severity: 'high',
      group: { 'cyber.srcIp': '10.0.0.9' },
      newEventKeys: ['1', '2', '3'],
    });
    const inCyber = (key: string): MatchedEvent => ({ key, kind: 'cyber', baseIncidentId: 'cyber-inc' });
    const [change] = foldMatches(SITE, [cyber], [brute], events(inCyber('1'), inCyber('2'), inCyber('3')), options);
    expect(change.type).toBe('escalated');
    expect(change.eventIds).toEqual([]); // already linked
    expect(change.matchedEventIds).toEqual([1, 2, 3]); // what the escalation is news of
    expect(change.incident).toMatchObject({
      id: 'cyber-inc',
      severity: 'high',
      ruleIds: ['theft-activity', 'brute-force'],
      title: 'Brute force from one source: Cyber activity at kolwezi-1',
    });
    expect(change.entries[0]).toEqual({
      action: 'rule-matched',
      details: expect.objectContaining({
        ruleId: 'brute-force',
        eventIds: [1, 2, 3],
        severity: { from: 'medium', to: 'high' },
      }),
    });

    // The same match growing, once the incident carries the rule: nothing new to say.
    const again = foldMatches(
      SITE,
      [change.incident],
      [{ ...brute, newEventKeys: ['4'] }],
      events(inCyber('4')),
      options,
    );
    expect(again).toEqual([]);
  });

  it("raises a single event's incident for a detection rule that raises severity", () => {
    const theft = incident({ id: 'theft-inc', severity: 'high' });
    const blind = update({
      matchId: 'breach-in-blind-zone:4',
      ruleId: 'breach-in-blind-zone',
      title: 'Perimeter breach in a blind zone',
      severity: 'critical',
      group: { zone: 'fence-north' },
      reason: 'in zone fence-north while cam-2 was offline',
      newEventKeys: ['4'],
    });
    const [change] = foldMatches(
      SITE,
      [theft],
      [blind],
      events({ key: '4', kind: 'theft', baseIncidentId: 'theft-inc' }),
      options,
    );
    expect(change).toMatchObject({ type: 'escalated', previousSeverity: 'high' });
    expect(change.incident.severity).toBe('critical');
    expect(change.entries[0].details).toMatchObject({ reason: 'in zone fence-north while cam-2 was offline' });
  });

  it('opens a rule incident when the incident holding the events is resolved, or the events were in none', () => {
    const resolved = incident({ id: 'theft-inc', status: 'resolved' });
    const changes = foldMatches(
      SITE,
      [resolved],
      [update({ newEventKeys: ['4'] })],
      events({ key: '4', kind: 'theft', baseIncidentId: 'theft-inc' }),
      options,
    );
    expect(changes.map((c) => c.type)).toEqual(['opened']);
    const unknown = foldMatches(SITE, [], [update({ newEventKeys: ['8'] })], new Map(), options);
    expect(unknown[0]).toMatchObject({ type: 'opened', eventIds: [8] });
    expect(unknown[0].incident.kinds).toEqual([]);
  });

  it('leaves the incidents it was given untouched', () => {
    const cyber = incident({ id: 'cyber-inc', groupKey: 'cyber', severity: 'medium' });
    foldMatches(
      SITE,
      [cyber],
      [update({ newEventKeys: ['1'] })],
      events({ key: '1', kind: 'cyber', baseIncidentId: 'cyber-inc' }),
      options,
    );
    expect(cyber).toMatchObject({ severity: 'medium', ruleIds: ['theft-activity'] });
  });
});

describe('rule incident names', () => {
  it('keys groups by sorted group-by names', () => {
    expect(ruleGroupKey('r', { b: '2', a: '1' })).toBe('rule:r:a=1:b=2');
    expect(ruleGroupKey('r', {})).toBe('rule:r');
  });

  it('titles say the rule, where, and the group', () => {
    expect(ruleIncidentTitle(SITE, { title: 'Port scan from one source', group: { 'cyber.srcIp': '10.0.0.9' } })).toBe(
      'Port scan from one source at kolwezi-1: cyber.srcIp 10.0.0.9',
    );
    expect(ruleIncidentTitle(SITE, { title: 'Material loss after tamper', group: { zone: 'scale-2' } })).toBe(
      'Material loss after tamper at kolwezi-1, scale-2',
    );
  });
});
