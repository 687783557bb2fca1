import { SEVERITIES, severityRank, type Severity } from '../events/canonical-event.schema';
import { distanceM } from '../remote-id/remote-id-assembler';

/**
 * One drone, one incident: how drone detections at a site are told apart into tracks.
 *
 * Detections are taken in the order (occurredAt, storage id), so a given set of events gives
 * the same tracks whatever order it arrived in. Each detection d, at time t, is matched against
 * the site's active drone tracks whose span, widened by the incident gap, holds t:
 *
 * 1. Identity. A track that holds d's `uasId`, or d's detector track (gateway, sensor,
 *    trackId: trackIds are per detector), is d's track. If several do, d links them: d joins
 *    the survivor (a track already stored before this fold, then the earliest first seen, then
 *    the lowest id) and the survivor takes on the others' identities. A track opened in the same
 *    fold is merged into the survivor whole, so one incident remains; two tracks already stored
 *    stay two incidents, each with a timeline entry naming the other (events are never moved
 *    between stored incidents), and the other track takes no more detections (`continuedIn`).
 * 2. Gate. Otherwise d joins the nearest track (great-circle distance) whose last position lies
 *    within the gate (distance and time) of d, among the tracks d could belong to: a d that
 *    names a uasId never joins a track with another uasId (two drones announcing themselves),
 *    and a d with a trackId never joins a track already holding another track of the same
 *    detector (the detector itself told them apart). Ties go to the survivor order above.
 *    This is how a radar or RF detection of a drone joins the Remote ID track of that drone.
 * 3. Otherwise d opens a new track.
 *
 * A track stops when nothing joins it for longer than the incident gap; the next detection of
 * the drone opens a new incident, as for every other kind.
 */

export const DRONE_DETECTIONS = ['remote_id', 'rf', 'radar', 'visual', 'acoustic'] as const;
export type DroneDetection = (typeof DRONE_DETECTIONS)[number];

/** The part of a drone detection that tracking needs. */
export interface DroneSighting {
  detection: DroneDetection;
  uasId?: string;
  trackId?: string;
  gatewayId: string;
  sensorId: string;
  position: { lat: number; lon: number; altM?: number };
  /** Remote ID marked this fix, or its transmitter's track, as possibly spoofed. */
  spoof?: { impliedSpeedMps?: number; suspectSince?: string };
}

/** Two detections this close in space and time may be the same drone. */
export interface DroneGate {
  distanceM: number;
  ms: number;
}

/** One position of a track, as its timeline and detail show it. */
export interface TrackPoint {
  lat: number;
  lon: number;
  altM?: number;
  /** ISO 8601, UTC. */
  at: string;
  detection: DroneDetection;
  gatewayId: string;
  sensorId: string;
  /** The event's storage id. */
  eventId: number;
}

/** What a drone incident remembers of its track between folds (stored with the incident). */
export interface DroneTrack {
  uasIds: string[];
  /** Detector tracks, "gateway/sensor/trackId". */
  trackKeys: string[];
  /** The latest position. */
  last: TrackPoint;
  /** The latest Remote ID position not marked as possibly spoofed. */
  lastRemoteId?: { lat: number; lon: number; at: string };
  remoteIdSeen: boolean;
  /** When a detection without Remote ID cover made the track non-cooperative (severity raised then). */
  nonCooperativeSince?: string;
  /** When Remote ID first marked the track possibly spoofed (severity raised then). */
  spoofSuspectedSince?: string;
  /** Linked to an older stored track, which carries on with its identities: this one takes no more detections. */
  continuedIn?: string;
}

/** A track with what decides between candidates. */
export interface TrackHolder {
  id: string;
  /** Stored before this fold (as opposed to opened by it). */
  persisted: boolean;
  firstSeenAt: Date;
  track: DroneTrack;
}

/** Identities a track keeps at most of each sort: a drone has one or two; more is noise. */
const MAX_IDENTITIES = 32;

/** "gateway/sensor/trackId": a detector's trackId means nothing outside that detector. */
export function trackKey(s: Pick<DroneSighting, 'gatewayId' | 'sensorId' | 'trackId'>): string | undefined {
  return s.trackId === undefined ? undefined : `${s.gatewayId}/${s.sensorId}/${s.trackId}`;
}

/** Survivor order: stored first, then earliest first seen, then lowest id. */
export function survivorOrder(a: TrackHolder, b: TrackHolder): number {
  if (a.persisted !== b.persisted) return a.persisted ? -1 : 1;
  return a.firstSeenAt.getTime() - b.firstSeenAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface Association<T extends TrackHolder> {
  /** The track the detection joins; none: it opens one. */
  join?: T;
  /** Other tracks its identity also names: the detection links them to `join`. */
  linked: T[];
}

/** Rules 1 and 2 above, for one detection at time `at` among candidate tracks. */
export function associate<T extends TrackHolder>(
  candidates: readonly T[],
  s: DroneSighting,
  at: Date,
  gate: DroneGate,
): Association<T> {
  const key = trackKey(s);
  const named = candidates
    .filter(
      (c) =>
        (s.uasId !== undefined && c.track.uasIds.includes(s.uasId)) ||
        (key !== undefined && c.track.trackKeys.includes(key)),
    )
    .sort(survivorOrder);
  if (named.length > 0) return { join: named[0], linked: named.slice(1) };

  let best: T | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (!mayBeSameDrone(c.track, s)) continue;
    if (Math.abs(at.getTime() - Date.parse(c.track.last.at)) > gate.ms) continue;
    const distance = distanceM(c.track.last, s.position);
    if (distance > gate.distanceM) continue;
    if (distance < bestDistance || (distance === bestDistance && best && survivorOrder(c, best) < 0)) {
      best = c;
      bestDistance = distance;
    }
  }
  return { join: best, linked: [] };
}

function mayBeSameDrone(track: DroneTrack, s: DroneSighting): boolean {
  if (s.uasId !== undefined && track.uasIds.length > 0) return false;
  if (s.trackId !== undefined) {
    const detector = `${s.gatewayId}/${s.sensorId}/`;
    if (track.trackKeys.some((k) => k.startsWith(detector))) return false;
  }
  return true;
}

/** The track a first detection opens. */
export function openTrack(point: TrackPoint, s: DroneSighting): DroneTrack {
  const track: DroneTrack = { uasIds: [], trackKeys: [], last: point, remoteIdSeen: false };
  addToTrack(track, point, s);
  return track;
}

/** Adds a detection's identities and position (changes `track`). */
export function addToTrack(track: DroneTrack, point: TrackPoint, s: DroneSighting): void {
  addIdentity(track.uasIds, s.uasId);
  addIdentity(track.trackKeys, trackKey(s));
  if (point.at >= track.last.at) track.last = point;
  if (point.detection === 'remote_id') {
    track.remoteIdSeen = true;
    if (!s.spoof && (!track.lastRemoteId || point.at >= track.lastRemoteId.at)) {
      track.lastRemoteId = { lat: point.lat, lon: point.lon, at: point.at };
    }
  }
}

/** Takes on another track's identities and, where newer, its positions (changes `into`). */
export function mergeTracks(into: DroneTrack, from: DroneTrack): void {
  for (const id of from.uasIds) addIdentity(into.uasIds, id);
  for (const key of from.trackKeys) addIdentity(into.trackKeys, key);
  if (from.last.at > into.last.at) into.last = from.last;
  into.remoteIdSeen ||= from.remoteIdSeen;
  if (from.lastRemoteId && (!into.lastRemoteId || from.lastRemoteId.at > into.lastRemoteId.at))
    into.lastRemoteId = from.lastRemoteId;
  into.nonCooperativeSince = earliest(into.nonCooperativeSince, from.nonCooperativeSince);
  into.spoofSuspectedSince = earliest(into.spoofSuspectedSince, from.spoofSuspectedSince);
  if (into.nonCooperativeSince === undefined) delete into.nonCooperativeSince;
  if (into.spoofSuspectedSince === undefined) delete into.spoofSuspectedSince;
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

function addIdentity(list: string[], id: string | undefined): void {
  if (id !== undefined && !list.includes(id) && list.length < MAX_IDENTITIES) list.push(id);
}

/**
 * The first detection without Remote ID cover: a radar, RF, visual or acoustic detection with
 * no Remote ID position of the same track (from this fold, or the latest one stored before it,
 * spoof-marked fixes not counting) within the gate in both distance and time.
 */
export function uncoveredDetection(
  points: readonly TrackPoint[],
  remoteIdBefore: DroneTrack['lastRemoteId'],
  spoofedEventIds: ReadonlySet<number>,
  gate: DroneGate,
): TrackPoint | undefined {
  const cover = points
    .filter((p) => p.detection === 'remote_id' && !spoofedEventIds.has(p.eventId))
    .map((p) => ({ lat: p.lat, lon: p.lon, at: p.at }));
  if (remoteIdBefore) cover.push(remoteIdBefore);
  return points.find(
    (p) =>
      p.detection !== 'remote_id' &&
      !cover.some((r) => Math.abs(Date.parse(r.at) - Date.parse(p.at)) <= gate.ms && distanceM(r, p) <= gate.distanceM),
  );
}

/** One level up, at most critical. */
export function raiseOneLevel(severity: Severity): Severity {
  return SEVERITIES[Math.min(severityRank(severity) + 1, SEVERITIES.length - 1)];
}

/** Positions a single timeline entry holds at most; a longer fold is sampled evenly, keeping the first and last. */
export const MAX_POSITIONS_PER_ENTRY = 100;

export function boundedPositions(points: readonly TrackPoint[], max = MAX_POSITIONS_PER_ENTRY): TrackPoint[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/**
 * What happened and where: "Non-cooperative drone over tailings-east at kolwezi-1",
 * "Drone UAS-123 (Remote ID) over pit-2 at kolwezi-1", "Drone UAS-123 (Remote ID possibly spoofed) at tarkwa-2".
 */
export function droneTitle(siteId: string, zone: string | undefined, track: DroneTrack): string {
  const uasId = track.uasIds[0];
  const nonCooperative = track.nonCooperativeSince !== undefined;
  let subject = uasId !== undefined ? `Drone ${uasId}` : nonCooperative ? 'Non-cooperative drone' : 'Drone';
  if (track.spoofSuspectedSince !== undefined) subject += ' (Remote ID possibly spoofed)';
  else if (uasId !== undefined && nonCooperative) subject += ' (non-cooperative)';
  else if (track.remoteIdSeen) subject += ' (Remote ID)';
  const where = zone ? ` over ${zone} at ${siteId}` : ` at ${siteId}`;
  return `${subject}${where}`.slice(0, 200);
}
