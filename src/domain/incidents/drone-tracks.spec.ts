import type { Severity } from '../events/canonical-event.schema';
import { boundedPositions, droneTitle, type DroneSighting, type TrackPoint } from './drone-tracks';
import { foldEvents, type FoldableEvent, type FoldOptions, type IncidentChange } from './fold-events';
import type { Incident } from './incident';

const SITE = 'kolwezi-1';
const NOW = t('03:00');
/** Over the tailings at Kolwezi. */
const HERE = { lat: -10.7148, lon: 25.4663 };

function t(time: string): Date {
  return new Date(`2026-11-29T${time.length === 5 ? `${time}:00` : time}Z`);
}

/** A position this many metres north (and east) of HERE. */
function at(northM: number, eastM = 0): { lat: number; lon: number } {
  return { lat: HERE.lat + northM / 111_195, lon: HERE.lon + eastM / (111_195 * Math.cos((HERE.lat * Math.PI) / 180)) };
}

let nextId = 1;
function aDetection(
  time: string,
  s: Partial<DroneSighting> & { detection: DroneSighting['detection']; northM?: number; eastM?: number },
  severity: Severity = 'medium',
): FoldableEvent {
  const { northM = 0, eastM = 0, ...rest } = s;
  return {
    id: nextId++,
    kind: 'drone',
    occurredAt: t(time),
    severity,
    zone: 'tailings-east',
    what: s.detection,
    drone: { gatewayId: 'gw-1', sensorId: 'rx-1', position: { ...at(northM, eastM), altM: 80 }, ...rest },
  };
}

function options(overrides: Partial<FoldOptions> = {}): FoldOptions {
  let n = 0;
  return {
    gapMs: 10 * 60_000,
    droneGate: { distanceM: 150, ms: 10_000 },
    now: NOW,
    newId: () => `inc-${++n}`,
    ...overrides,
  };
}

const fold = (events: FoldableEvent[], active: Incident[] = []) => foldEvents(SITE, active, events, options());

/** The incidents a fold left, as stored incidents for the next fold. */
const stored = (changes: IncidentChange[]) => changes.map((c) => structuredClone(c.incident));

const notesOf = (change: IncidentChange, action: string) => change.notes.filter((n) => n.action === action);

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('drone tracks: one drone, one incident', () => {
  it('folds the same UAS heard by two gateways into one track, however far apart the receivers put it', () => {
    const a = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123', gatewayId: 'gw-1', trackId: 'aa:01' });
    const b = aDetection('02:10:30', {
      detection: 'remote_id',
      uasId: 'UAS-123',
      gatewayId: 'gw-2',
      trackId: 'aa:01',
      northM: 900,
    });

    const changes = fold([a, b]);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      type: 'opened',
      eventIds: [a.id, b.id],
      incident: { eventCount: 2, severity: 'medium' },
    });
    expect(changes[0].incident.track).toMatchObject({
      uasIds: ['UAS-123'],
      trackKeys: ['gw-1/rx-1/aa:01', 'gw-2/rx-1/aa:01'],
      remoteIdSeen: true,
    });
    expect(changes[0].incident.title).toBe('Drone UAS-123 (Remote ID) over tailings-east at kolwezi-1');
  });

  it("keeps one detector's track together, and tells apart the same trackId from another detector", () => {
    const first = aDetection('02:10:00', { detection: 'radar', sensorId: 'radar-1', trackId: 'T7' });
    const again = aDetection('02:11:00', { detection: 'radar', sensorId: 'radar-1', trackId: 'T7', northM: 2000 });
    const otherRadar = aDetection('02:10:30', { detection: 'radar', sensorId: 'radar-2', trackId: 'T7', northM: 5000 });

    const changes = fold([first, again, otherRadar]);

    expect(changes.map((c) => c.eventIds)).toEqual([[first.id, again.id], [otherRadar.id]]);
  });

  it('joins a detection without identity to a track whose last position is inside the gate, in distance and in time', () => {
    const rid = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' });
    const near = aDetection('02:10:05', { detection: 'rf', northM: 140 });

    expect(fold([rid, near]).map((c) => c.eventIds)).toEqual([[rid.id, near.id]]);
  });

  it('opens a second track for a detection beyond the gate by distance', () => {
    const rid = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' });
    const far = aDetection('02:10:05', { detection: 'rf', northM: 160 });

    expect(fold([rid, far]).map((c) => c.eventIds)).toEqual([[rid.id], [far.id]]);
  });

  it('opens a second track for a detection beyond the gate by time, though in the same place', () => {
    const rid = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' });
    const later = aDetection('02:10:10.001', { detection: 'acoustic', northM: 10 });
    const inTime = aDetection('02:10:10', { detection: 'acoustic', northM: 10 });

    expect(fold([rid, later]).map((c) => c.eventIds)).toEqual([[rid.id], [later.id]]);
    expect(fold([rid, inTime]).map((c) => c.eventIds)).toEqual([[rid.id, inTime.id]]);
  });

  it('gates against the last position: a moving drone drags its track along', () => {
    // 100 m every 5 s: each step inside the gate of the one before, the last 400 m from the first.
    const steps = [0, 1, 2, 3, 4].map((i) =>
      aDetection(`02:10:${String(i * 5).padStart(2, '0')}`, { detection: 'radar', northM: i * 100 }),
    );

    expect(fold(steps)).toHaveLength(1);
  });

  it('never gates a drone announcing one uasId into the track of another', () => {
    const a = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' });
    const b = aDetection('02:10:01', { detection: 'remote_id', uasId: 'UAS-456', northM: 20 });

    expect(fold([a, b]).map((c) => c.incident.track!.uasIds)).toEqual([['UAS-123'], ['UAS-456']]);
  });

  it('marks a radar detection with no Remote ID inside the gate non-cooperative and raises the severity one level, once', () => {
    const radar = [0, 2, 4].map((s) =>
      aDetection(`02:10:0${s}`, { detection: 'radar', sensorId: 'radar-1', trackId: 'T9', northM: s * 10 }),
    );

    const [opened] = fold(radar);

    expect(opened).toMatchObject({
      type: 'opened',
      incident: { severity: 'high', title: 'Non-cooperative drone over tailings-east at kolwezi-1' },
    });
    expect(notesOf(opened, 'non-cooperative')).toEqual([
      {
        action: 'non-cooperative',
        details: {
          reason: `radar detection by gw-1/radar-1 at ${t('02:10:00').toISOString()} with no Remote ID within 150 m and 10 s`,
          eventId: radar[0].id,
          severity: { from: 'medium', to: 'high' },
        },
      },
    ]);
    expect(opened.incident.track!.nonCooperativeSince).toBe(t('02:10:00').toISOString());

    // The next fold continues the track: no second raise.
    const more = aDetection('02:10:30', { detection: 'radar', sensorId: 'radar-1', trackId: 'T9', northM: 300 });
    const [next] = fold([more], stored([opened]));
    expect(next).toMatchObject({
      type: 'updated',
      previousSeverity: 'high',
      incident: { id: opened.incident.id, severity: 'high', eventCount: 4 },
    });
    expect(notesOf(next, 'non-cooperative')).toEqual([]);
  });

  it('keeps a track cooperative when a Remote ID detection lies inside the gate of its radar detection', () => {
    const rid = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123', gatewayId: 'gw-1' });
    const radar = aDetection('02:10:04', {
      detection: 'radar',
      gatewayId: 'gw-2',
      sensorId: 'radar-1',
      trackId: 'T1',
      northM: 80,
    });

    const [change] = fold([rid, radar]);

    expect(change).toMatchObject({
      eventIds: [rid.id, radar.id],
      incident: { severity: 'medium', title: 'Drone UAS-123 (Remote ID) over tailings-east at kolwezi-1' },
    });
    expect(notesOf(change, 'non-cooperative')).toEqual([]);
    expect(change.incident.track).toMatchObject({ uasIds: ['UAS-123'], trackKeys: ['gw-2/radar-1/T1'] });
  });

  it('counts Remote ID cover from before the fold, and marks the track once the drone flies on without it', () => {
    const [opened] = fold([aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' })]);
    const covered = aDetection('02:10:06', { detection: 'rf', northM: 50 });
    const [second] = fold([covered], stored([opened]));
    expect(second).toMatchObject({ type: 'updated', incident: { severity: 'medium' } });

    // Remote ID went silent; the RF detector's track goes on with the drone.
    const silent = aDetection('02:10:40', { detection: 'rf', northM: 50, sensorId: 'rf-1', trackId: 'R1' });
    const first = aDetection('02:10:08', { detection: 'rf', northM: 60, sensorId: 'rf-1', trackId: 'R1' });
    const [third] = fold([first, silent], stored([second]));
    expect(third).toMatchObject({
      type: 'escalated',
      incident: { severity: 'high', title: 'Drone UAS-123 (non-cooperative) over tailings-east at kolwezi-1' },
    });
    expect((notesOf(third, 'non-cooperative')[0].details as { eventId: number }).eventId).toBe(silent.id);
  });

  it('marks a track whose Remote ID looked spoofed, raises its severity once and says so in the title', () => {
    const fine = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-9', trackId: 'bb:02' });
    const jump = aDetection('02:10:01', {
      detection: 'remote_id',
      uasId: 'UAS-9',
      trackId: 'bb:02',
      northM: 2000,
      spoof: { impliedSpeedMps: 2000 },
    });
    const after = aDetection('02:10:02', {
      detection: 'remote_id',
      uasId: 'UAS-9',
      trackId: 'bb:02',
      northM: 2010,
      spoof: { suspectSince: t('02:10:01').toISOString() },
    });

    const [change] = fold([fine, jump, after]);

    expect(change.incident).toMatchObject({
      severity: 'high',
      title: 'Drone UAS-9 (Remote ID possibly spoofed) over tailings-east at kolwezi-1',
    });
    expect(change.incident.track!.spoofSuspectedSince).toBe(t('02:10:01').toISOString());
    expect(notesOf(change, 'spoof-suspected')).toMatchObject([
      { details: { eventIds: [jump.id, after.id], impliedSpeedMps: 2000, severity: { from: 'medium', to: 'high' } } },
    ]);
    const [next] = fold(
      [aDetection('02:10:05', { detection: 'remote_id', uasId: 'UAS-9', spoof: {} })],
      stored([change]),
    );
    expect(next).toMatchObject({ type: 'updated', incident: { severity: 'high' } });
    expect(notesOf(next, 'spoof-suspected')).toEqual([]);
  });

  it('does not let a spoof-marked Remote ID fix vouch for a radar detection beside it', () => {
    const spoofed = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-9', spoof: { impliedSpeedMps: 900 } });
    const radar = aDetection('02:10:02', { detection: 'radar', northM: 20 });

    const [change] = fold([spoofed, radar]);

    expect(change.eventIds).toEqual([spoofed.id, radar.id]);
    expect(change.notes.map((n) => n.action)).toEqual(['track', 'non-cooperative', 'spoof-suspected']);
    expect(change.incident.severity).toBe('critical');
  });

  it('merges two tracks of one fold when a later detection names both: a trackId first seen without uasId, then with', () => {
    const rfNoId = aDetection('02:10:00', { detection: 'rf', sensorId: 'rf-1', trackId: 'R5', northM: 1000 });
    const rid = aDetection('02:10:20', {
      detection: 'remote_id',
      uasId: 'UAS-77',
      gatewayId: 'gw-2',
      trackId: 'cc:03',
    });
    const linking = aDetection('02:10:30', {
      detection: 'rf',
      sensorId: 'rf-1',
      trackId: 'R5',
      uasId: 'UAS-77',
      northM: 500,
    });

    const changes = fold([rfNoId, rid, linking]);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      type: 'opened',
      incident: { id: 'inc-1', eventCount: 3, firstSeenAt: t('02:10:00'), lastSeenAt: t('02:10:30') },
    });
    expect([...changes[0].eventIds].sort((x, y) => x - y)).toEqual([rfNoId.id, rid.id, linking.id]);
    expect(changes[0].incident.track).toMatchObject({
      uasIds: ['UAS-77'],
      trackKeys: ['gw-1/rf-1/R5', 'gw-2/rx-1/cc:03'],
    });
    const positions = (changes[0].notes[0].details as { positions: TrackPoint[] }).positions;
    expect(positions.map((p) => p.eventId)).toEqual([rfNoId.id, rid.id, linking.id]);
  });

  it('links two stored tracks a detection names both of, keeping both incidents and continuing in the older', () => {
    const older = fold([aDetection('02:10:00', { detection: 'rf', sensorId: 'rf-1', trackId: 'R5', northM: 1000 })]);
    const newer = foldEvents(
      SITE,
      [],
      [aDetection('02:10:20', { detection: 'remote_id', uasId: 'UAS-77' })],
      options({ newId: () => 'inc-9' }),
    );
    const linking = aDetection('02:10:30', {
      detection: 'rf',
      sensorId: 'rf-1',
      trackId: 'R5',
      uasId: 'UAS-77',
      northM: 500,
    });

    const changes = fold([linking], stored([...older, ...newer]));
    const survivor = changes.find((c) => c.incident.id === 'inc-1')!;
    const other = changes.find((c) => c.incident.id === 'inc-9')!;

    expect(survivor).toMatchObject({ eventIds: [linking.id], incident: { eventCount: 2 } });
    expect(survivor.incident.track!.uasIds).toEqual(['UAS-77']);
    expect(notesOf(survivor, 'track-linked')).toEqual([
      { action: 'track-linked', details: { incidentId: 'inc-9', eventId: linking.id } },
    ]);
    expect(other).toMatchObject({ type: 'updated', eventIds: [], incident: { eventCount: 1 } });
    expect(notesOf(other, 'track-continued')).toEqual([
      { action: 'track-continued', details: { incidentId: 'inc-1', eventId: linking.id } },
    ]);

    // The next detection of UAS-77 continues the survivor.
    const next = fold([aDetection('02:10:40', { detection: 'remote_id', uasId: 'UAS-77' })], stored(changes));
    expect(next.map((c) => c.incident.id)).toEqual(['inc-1']);
  });

  it('closes a track that stopped for longer than the incident gap: the drone coming back opens a new incident', () => {
    const [opened] = fold([aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' })]);

    const [back] = foldEvents(
      SITE,
      stored([opened]),
      [aDetection('02:20:01', { detection: 'remote_id', uasId: 'UAS-123' })],
      options({ newId: () => 'inc-2' }),
    );

    expect(back).toMatchObject({ type: 'opened', incident: { id: 'inc-2' } });
  });

  it('leaves a cyber event beside a drone track to fold by kind', () => {
    const drone = aDetection('02:10:00', { detection: 'remote_id', uasId: 'UAS-123' });
    const cyber: FoldableEvent = {
      id: nextId++,
      kind: 'cyber',
      occurredAt: t('02:10:01'),
      severity: 'low',
      what: 'ET SCAN Nmap',
    };

    expect(fold([drone, cyber]).map((c) => c.incident.groupKey)).toEqual(['drone:uas:UAS-123', 'cyber']);
  });

  it('gives the same tracks for the same detections whatever order they come in (20 shuffles)', () => {
    nextId = 1000;
    const events = [
      aDetection('02:10:00', { detection: 'radar', sensorId: 'radar-1', trackId: 'T1' }),
      aDetection('02:10:02', { detection: 'remote_id', uasId: 'UAS-1', gatewayId: 'gw-2', northM: 40 }),
      aDetection('02:10:02', { detection: 'rf', northM: 60 }),
      aDetection('02:10:04', { detection: 'radar', sensorId: 'radar-1', trackId: 'T1', northM: 100 }),
      aDetection('02:10:05', { detection: 'remote_id', uasId: 'UAS-1', gatewayId: 'gw-1', northM: 120 }),
      aDetection('02:10:06', { detection: 'acoustic', northM: 3000 }),
      aDetection('02:10:09', { detection: 'acoustic', northM: 3050 }),
      aDetection('02:10:20', { detection: 'visual', northM: 3100 }),
      aDetection('02:10:21', { detection: 'rf', sensorId: 'rf-1', trackId: 'X', uasId: 'UAS-2', northM: -4000 }),
      aDetection('02:10:25', {
        detection: 'remote_id',
        uasId: 'UAS-2',
        northM: -4020,
        spoof: { impliedSpeedMps: 300 },
      }),
      aDetection('02:10:25', { detection: 'rf', sensorId: 'rf-1', trackId: 'X', northM: -4030 }, 'high'),
    ];

    const results = Array.from({ length: 20 }, (_, seed) => JSON.stringify(fold(shuffled(events, seed + 1))));

    expect(new Set(results).size).toBe(1);
    const changes = JSON.parse(results[0]) as IncidentChange[];
    expect(changes.map((c) => c.eventIds.length)).toEqual([5, 2, 1, 3]);
    expect(changes.map((c) => c.incident.severity)).toEqual(['medium', 'high', 'high', 'critical']);
  });

  it('keeps at most 100 positions in one timeline entry, sampled evenly with the first and last', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ eventId: i }) as TrackPoint);

    const kept = boundedPositions(points);

    expect(kept).toHaveLength(100);
    expect(kept[0].eventId).toBe(0);
    expect(kept[99].eventId).toBe(999);
  });

  it('titles a drone by what it is and where', () => {
    const last = { lat: 0, lon: 1, at: '', detection: 'rf', gatewayId: 'g', sensorId: 's', eventId: 1 } as const;
    expect(droneTitle('tarkwa-2', undefined, { uasIds: [], trackKeys: [], last, remoteIdSeen: false })).toBe(
      'Drone at tarkwa-2',
    );
    expect(droneTitle('tarkwa-2', 'pit-2', { uasIds: [], trackKeys: [], last, remoteIdSeen: true })).toBe(
      'Drone (Remote ID) over pit-2 at tarkwa-2',
    );
  });
});
