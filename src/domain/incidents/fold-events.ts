import { severityRank, type Kind, type Severity } from '../events/canonical-event.schema';
import {
  addToTrack,
  associate,
  boundedPositions,
  droneTitle,
  mergeTracks,
  openTrack,
  raiseOneLevel,
  uncoveredDetection,
  type DroneGate,
  type DroneSighting,
  type DroneTrack,
  type TrackPoint,
} from './drone-tracks';
import type { Incident, IncidentChangeType } from './incident';

/** The part of a stored event that folding needs. */
export interface FoldableEvent {
  /** The event's storage id. */
  id: number;
  kind: Kind;
  occurredAt: Date;
  severity?: Severity;
  zone?: string;
  /** A few words on what the sensor saw, for the title (signature, theft category, …). */
  what?: string;
  /** A drone event's detection: it folds by track (see drone-tracks.ts) rather than by kind alone. */
  drone?: DroneSighting;
}

export interface FoldOptions {
  /** An event joins an incident whose events lie within this gap of its own time, in ms. */
  gapMs: number;
  /** Detections of the same drone lie within this gate of each other (drone-tracks.ts). */
  droneGate: DroneGate;
  now: Date;
  newId: () => string;
}

export interface IncidentChange {
  type: Extract<IncidentChangeType, 'opened' | 'updated' | 'escalated'>;
  incident: Incident;
  /** Severity before this fold; null for a new incident. */
  previousSeverity: Severity | null;
  eventIds: number[];
  /** Timeline entries this fold adds besides "opened"/"events-joined" and "escalated" (a drone's track, its marks). */
  notes: { action: string; details: object }[];
}

/** What a sensor's event weighs when the sensor gave no severity of its own. */
export const DEFAULT_SEVERITY: Record<Kind, Severity> = { drone: 'medium', cyber: 'medium', theft: 'high' };

const RULE_ID: Record<Kind, string> = { drone: 'drone-activity', cyber: 'cyber-activity', theft: 'theft-activity' };

/**
 * Folds a site's new events into its active incidents: an event joins the active incident of
 * its kind whose time span, widened by the gap, holds the event's time (event time, not
 * arrival); otherwise it opens a new one. Severity is the highest of the events. A drone event
 * joins by track instead (drone-tracks.ts: one drone, one incident), and a drone track with a
 * detection no Remote ID covers, or a Remote ID fix marked possibly spoofed, is raised one
 * severity level, once for each mark.
 * Events are taken in (event time, id) order so the result does not depend on arrival order
 * within one call. `active` holds the site's unresolved incidents near the events' times.
 */
export function foldEvents(
  siteId: string,
  active: readonly Incident[],
  events: readonly FoldableEvent[],
  options: FoldOptions,
): IncidentChange[] {
  const working = active
    .filter((i) => i.status !== 'resolved')
    .map((i) => ({ ...i, zones: [...i.zones], ...(i.track && { track: structuredClone(i.track) }) }));
  const changes = new Map<string, IncidentChange>();
  const tracks = new Map<string, TrackWork>();
  const sorted = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id);

  const changeOf = (incident: Incident): IncidentChange => {
    let change = changes.get(incident.id);
    if (!change) {
      change = { type: 'updated', incident, previousSeverity: incident.severity, eventIds: [], notes: [] };
      changes.set(incident.id, change);
    }
    return change;
  };

  for (const event of sorted) {
    const t = event.occurredAt.getTime();
    const severity = event.severity ?? DEFAULT_SEVERITY[event.kind];
    let target: Incident | undefined;
    if (event.kind === 'drone' && event.drone) {
      target = foldDrone(event, event.drone, working, changes, tracks, changeOf, options);
    } else {
      target = nearest(working, event.kind, t, options.gapMs);
    }
    if (!target) {
      const incident = openIncident(siteId, event, severity, options);
      working.push(incident);
      changes.set(incident.id, { type: 'opened', incident, previousSeverity: null, eventIds: [event.id], notes: [] });
      if (incident.track) tracks.set(incident.id, newTrackWork(incident.track, event));
      continue;
    }
    changeOf(target).eventIds.push(event.id);
    joinEvent(target, event, severity);
    target.updatedAt = options.now;
  }

  for (const [id, work] of tracks) {
    const change = changes.get(id);
    if (change) finishTrack(siteId, change, work, options);
  }

  for (const change of changes.values()) {
    if (
      change.previousSeverity !== null &&
      severityRank(change.incident.severity) > severityRank(change.previousSeverity)
    ) {
      change.type = 'escalated';
    }
  }
  return [...changes.values()];
}

function joinEvent(target: Incident, event: FoldableEvent, severity: Severity): void {
  const t = event.occurredAt.getTime();
  target.eventCount += 1;
  if (t < target.firstSeenAt.getTime()) target.firstSeenAt = event.occurredAt;
  if (t > target.lastSeenAt.getTime()) target.lastSeenAt = event.occurredAt;
  if (severityRank(severity) > severityRank(target.severity)) target.severity = severity;
  if (event.zone && !target.zones.includes(event.zone)) target.zones.push(event.zone);
}

/** What one fold did to a drone track: its new positions, spoof marks and links. */
interface TrackWork {
  points: TrackPoint[];
  /** The latest Remote ID cover stored before this fold. */
  remoteIdBefore: DroneTrack['lastRemoteId'];
  spoofed: Map<number, number | undefined>;
}

function newTrackWork(track: DroneTrack, first?: FoldableEvent): TrackWork {
  const work: TrackWork = { points: [], remoteIdBefore: first ? undefined : track.lastRemoteId, spoofed: new Map() };
  if (first?.drone) noteSighting(work, pointOf(first, first.drone), first.drone);
  return work;
}

function noteSighting(work: TrackWork, point: TrackPoint, s: DroneSighting): void {
  work.points.push(point);
  if (s.spoof) work.spoofed.set(point.eventId, s.spoof.impliedSpeedMps);
}

function pointOf(event: FoldableEvent, s: DroneSighting): TrackPoint {
  return {
    lat: s.position.lat,
    lon: s.position.lon,
    ...(s.position.altM !== undefined && { altM: s.position.altM }),
    at: event.occurredAt.toISOString(),
    detection: s.detection,
    gatewayId: s.gatewayId,
    sensorId: s.sensorId,
    eventId: event.id,
  };
}

/**
 * Finds the drone track the event belongs to (drone-tracks.ts) and adds its position; merges
 * tracks the event links. Returns the incident to join, or undefined to open one.
 */
function foldDrone(
  event: FoldableEvent,
  s: DroneSighting,
  working: Incident[],
  changes: Map<string, IncidentChange>,
  tracks: Map<string, TrackWork>,
  changeOf: (incident: Incident) => IncidentChange,
  options: FoldOptions,
): Incident | undefined {
  const t = event.occurredAt.getTime();
  const candidates = working
    .filter((i) => i.track && !i.track.continuedIn && i.status !== 'resolved' && timeDistance(i, t) <= options.gapMs)
    .map((i) => ({
      id: i.id,
      persisted: changes.get(i.id)?.type !== 'opened',
      firstSeenAt: i.firstSeenAt,
      track: i.track!,
      incident: i,
    }));
  const { join, linked } = associate(candidates, s, event.occurredAt, options.droneGate);
  if (!join) return undefined;
  const target = join.incident;
  const work = tracks.get(target.id) ?? newTrackWork(join.track);
  tracks.set(target.id, work);

  for (const other of linked) {
    mergeTracks(join.track, other.track);
    if (!other.persisted) {
      // Opened by this very fold: nothing stored yet, so it becomes part of the survivor whole.
      const absorbed = changes.get(other.id)!;
      const absorbedWork = tracks.get(other.id)!;
      changeOf(target).eventIds.push(...absorbed.eventIds);
      target.eventCount += other.incident.eventCount;
      if (other.incident.firstSeenAt < target.firstSeenAt) target.firstSeenAt = other.incident.firstSeenAt;
      if (other.incident.lastSeenAt > target.lastSeenAt) target.lastSeenAt = other.incident.lastSeenAt;
      if (severityRank(other.incident.severity) > severityRank(target.severity))
        target.severity = other.incident.severity;
      for (const zone of other.incident.zones) if (!target.zones.includes(zone)) target.zones.push(zone);
      work.points.push(...absorbedWork.points);
      for (const [id, speed] of absorbedWork.spoofed) work.spoofed.set(id, speed);
      changes.delete(other.id);
      tracks.delete(other.id);
      working.splice(working.indexOf(other.incident), 1);
    } else {
      // Both stored: events stay where they are; each incident names the other, and the survivor
      // (which now holds both tracks' identities) wins every later tie.
      changeOf(target).notes.push({ action: 'track-linked', details: { incidentId: other.id, eventId: event.id } });
      changeOf(other.incident).notes.push({
        action: 'track-continued',
        details: { incidentId: target.id, eventId: event.id },
      });
      other.track.continuedIn = target.id;
      other.incident.updatedAt = options.now;
    }
  }

  const point = pointOf(event, s);
  addToTrack(join.track, point, s);
  noteSighting(work, point, s);
  return target;
}

function nearest(incidents: readonly Incident[], kind: Kind, t: number, gapMs: number): Incident | undefined {
  let best: Incident | undefined;
  let bestDistance = Infinity;
  for (const incident of incidents) {
    if (incident.groupKey !== kind || incident.status === 'resolved') continue;
    const distance = timeDistance(incident, t);
    if (distance > gapMs) continue;
    if (distance < bestDistance || (distance === bestDistance && best && incident.openedAt < best.openedAt)) {
      best = incident;
      bestDistance = distance;
    }
  }
  return best;
}

function timeDistance(incident: Incident, t: number): number {
  const first = incident.firstSeenAt.getTime();
  const last = incident.lastSeenAt.getTime();
  return t < first ? first - t : t > last ? t - last : 0;
}

/** After all events: the track's marks (raising severity once each), its title and its new positions. */
function finishTrack(siteId: string, change: IncidentChange, work: TrackWork, options: FoldOptions): void {
  const incident = change.incident;
  const track = incident.track!;
  work.points.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.eventId - b.eventId));

  if (track.nonCooperativeSince === undefined) {
    const uncovered = uncoveredDetection(
      work.points,
      work.remoteIdBefore,
      new Set(work.spoofed.keys()),
      options.droneGate,
    );
    if (uncovered) {
      track.nonCooperativeSince = uncovered.at;
      const from = incident.severity;
      incident.severity = raiseOneLevel(from);
      change.notes.push({
        action: 'non-cooperative',
        details: {
          reason:
            `${uncovered.detection} detection by ${uncovered.gatewayId}/${uncovered.sensorId} at ${uncovered.at} ` +
            `with no Remote ID within ${options.droneGate.distanceM} m and ${options.droneGate.ms / 1000} s`,
          eventId: uncovered.eventId,
          severity: { from, to: incident.severity },
        },
      });
    }
  }
  if (track.spoofSuspectedSince === undefined && work.spoofed.size > 0) {
    const first = work.points.find((p) => work.spoofed.has(p.eventId))!;
    track.spoofSuspectedSince = first.at;
    const from = incident.severity;
    incident.severity = raiseOneLevel(from);
    const speeds = [...work.spoofed.values()].filter((v): v is number => v !== undefined);
    change.notes.push({
      action: 'spoof-suspected',
      details: {
        reason: 'Remote ID marked a fix of this track as possibly spoofed (an impossible move)',
        eventIds: [...work.spoofed.keys()].slice(0, 100),
        ...(speeds.length > 0 && { impliedSpeedMps: Math.max(...speeds) }),
        severity: { from, to: incident.severity },
      },
    });
  }
  // A rule that escalated the track named itself in the title; the fold keeps that title.
  if (incident.ruleIds.length <= 1) incident.title = droneTitle(siteId, incident.zones[0], track);
  if (work.points.length > 0) {
    change.notes.unshift({
      action: 'track',
      details: {
        positions: boundedPositions(work.points),
        positionCount: work.points.length,
        uasIds: track.uasIds,
        trackIds: track.trackKeys,
      },
    });
  }
}

function openIncident(siteId: string, event: FoldableEvent, severity: Severity, options: FoldOptions): Incident {
  const track = event.kind === 'drone' && event.drone ? openTrack(pointOf(event, event.drone), event.drone) : undefined;
  return {
    id: options.newId(),
    siteId,
    groupKey: track ? droneGroupKey(event.drone!, event.id) : event.kind,
    title: incidentTitle(siteId, event),
    severity,
    status: 'open',
    kinds: [event.kind],
    ruleIds: [RULE_ID[event.kind]],
    zones: event.zone ? [event.zone] : [],
    eventCount: 1,
    firstSeenAt: event.occurredAt,
    lastSeenAt: event.occurredAt,
    openedAt: options.now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: options.now,
    ...(track && { track }),
  };
}

/** "drone:<identity the track opened with>": keeps drone tracks apart from the kind-wide group "drone". */
function droneGroupKey(s: DroneSighting, eventId: number): string {
  return `drone:${s.uasId !== undefined ? `uas:${s.uasId}` : s.trackId !== undefined ? `track:${s.gatewayId}/${s.sensorId}/${s.trackId}` : `event:${eventId}`}`.slice(
    0,
    300,
  );
}

const KIND_TITLE: Record<Kind, string> = {
  drone: 'Drone activity',
  cyber: 'Cyber activity',
  theft: 'Theft activity',
};

/** "Drone activity at kolwezi-1, tailings-east", "Cyber activity at tarkwa-2: ET SCAN Nmap". */
export function incidentTitle(siteId: string, event: FoldableEvent): string {
  const where = event.zone ? `${siteId}, ${event.zone}` : siteId;
  const what = event.what ? `: ${event.what}` : '';
  return `${KIND_TITLE[event.kind]} at ${where}${what}`.slice(0, 200);
}
