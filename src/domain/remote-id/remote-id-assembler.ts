import { DroneDetailsSchema, type DroneDetails } from '../events/canonical-event.schema';
import type { SiteEvent } from '../events/site-event';
import type { RemoteIdFix, RemoteIdReport } from './remote-id-report';
import type { LatLon } from './remote-id-message';

/**
 * What OreGuard remembers of one transmitter (per site, gateway and transmitter) between
 * payloads: what its Basic ID, System, Operator ID and Self-ID messages last said, its last
 * fix (for the spoofing check) and whether its track is suspect. Plain JSON, so it can be stored.
 */
export interface TransmitterState {
  /** When a payload from it was last heard (the receiver's `receivedAt`), ISO 8601. */
  heardAt: string;
  /** Its UAS ids by id type (a drone may broadcast a serial number and a registration). */
  uasIds?: Record<string, string>;
  uaType?: string | number;
  operatorId?: string;
  operatorPosition?: LatLon;
  description?: string;
  lastFix?: { lat: number; lon: number; at: string; accuracyM?: number };
  /** First fix that implied an impossible speed; the track stays suspect while it is remembered. */
  spoofSuspectedAt?: string;
}

export interface AssemblyOptions {
  /** A transmitter not heard for this long is forgotten: its identity no longer attaches to new fixes. */
  memoryTtlMs: number;
  /** A fix implying a faster move than this from the previous fix marks the track as possibly spoofed. */
  maxSpeedMps: number;
}

/** Stored beside the event, not in the canonical drone object (gateways cannot set it). */
export interface RemoteIdEventMetadata {
  transmitter: string;
  transport: 'ble' | 'wifi';
  rssi?: number;
  status?: string | number;
  uaType?: string | number;
  description?: string;
  /** This fix is too far from the previous one for the time between them. */
  possibleSpoof?: {
    impliedSpeedMps: number;
    limitMps: number;
    previousFix: { lat: number; lon: number; at: string };
  };
  /** The track has been suspect since then (this fix or an earlier one). */
  trackSuspectSince?: string;
}

export interface RemoteIdEventDraft {
  event: SiteEvent;
  remoteId: RemoteIdEventMetadata;
}

export interface Assembly {
  drafts: RemoteIdEventDraft[];
  state: TransmitterState;
}

/** Preference when a transmitter gave several ids: a serial number names the aircraft itself. */
const UAS_ID_PREFERENCE = ['serial_number', 'caa_registration', 'utm_uuid', 'specific_session'];

/**
 * One receiver payload and what was remembered of its transmitter → one drone event per fix,
 * and what to remember now. Identity comes from the payload's own Basic ID, System, Operator ID
 * and Self-ID messages (wherever they are in it) or, failing those, from earlier payloads heard
 * within the memory's time to live. A payload heard before the remembered one (a late or
 * redelivered message) fills gaps but does not overwrite newer identity.
 */
export function assembleRemoteId(
  report: RemoteIdReport,
  remembered: TransmitterState | undefined,
  options: AssemblyOptions,
): Assembly {
  const heard = report.receivedAt.getTime();
  const prior =
    remembered && Math.abs(heard - Date.parse(remembered.heardAt)) <= options.memoryTtlMs ? remembered : undefined;
  const newer = !prior || heard >= Date.parse(prior.heardAt);
  const state: TransmitterState = structuredClone(prior ?? { heardAt: report.receivedAt.toISOString() });
  if (newer) state.heardAt = report.receivedAt.toISOString();

  const set = <K extends keyof TransmitterState>(key: K, value: TransmitterState[K] | undefined) => {
    if (newer || state[key] === undefined) {
      if (value === undefined) delete state[key];
      else state[key] = value;
    }
  };
  for (const { message } of report.sightings) {
    switch (message.type) {
      case 'basic_id':
        set('uaType', message.uaType === 'none' ? state.uaType : message.uaType);
        if (message.uasId !== undefined && (newer || state.uasIds?.[String(message.idType)] === undefined)) {
          state.uasIds = { ...state.uasIds, [String(message.idType)]: message.uasId };
        }
        break;
      case 'system':
        // A System message that says the operator's position is unknown replaces an older known one.
        set('operatorPosition', message.operatorPosition);
        break;
      case 'operator_id':
        if (message.operatorId !== undefined) set('operatorId', message.operatorId);
        break;
      case 'self_id':
        if (message.description !== undefined) set('description', message.description);
        break;
      case 'location':
      case 'authentication':
        break;
    }
  }

  const drafts = report.fixes.map((fix) => {
    const possibleSpoof = checkSpeed(state.lastFix, fix, options.maxSpeedMps);
    if (possibleSpoof && !state.spoofSuspectedAt) state.spoofSuspectedAt = fix.occurredAt.toISOString();
    if (!state.lastFix || fix.occurredAt.getTime() >= Date.parse(state.lastFix.at)) {
      state.lastFix = {
        ...fix.message.position!,
        at: fix.occurredAt.toISOString(),
        ...(fix.message.horizontalAccuracyM !== undefined && { accuracyM: fix.message.horizontalAccuracyM }),
      };
    }
    const remoteId: RemoteIdEventMetadata = {
      transmitter: report.transmitter,
      transport: report.transport,
      ...(report.rssi !== undefined && { rssi: report.rssi }),
      status: fix.message.status,
      ...(state.uaType !== undefined && { uaType: state.uaType }),
      ...(state.description !== undefined && { description: state.description }),
      ...(possibleSpoof && { possibleSpoof }),
      ...(state.spoofSuspectedAt !== undefined && { trackSuspectSince: state.spoofSuspectedAt }),
    };
    return { event: toEvent(report, fix, state), remoteId };
  });
  return { drafts, state };
}

function toEvent(report: RemoteIdReport, fix: RemoteIdFix, state: TransmitterState): SiteEvent {
  const m = fix.message;
  const altM = m.geodeticAltitudeM ?? m.pressureAltitudeM;
  const uasId =
    UAS_ID_PREFERENCE.map((type) => state.uasIds?.[type]).find((id) => id !== undefined) ??
    Object.values(state.uasIds ?? {})[0];
  const drone: DroneDetails = {
    detection: 'remote_id',
    ...(uasId !== undefined && { uasId }),
    position: { ...m.position!, ...(altM !== undefined && { altM }) },
    ...(m.directionDeg !== undefined && { headingDeg: m.directionDeg }),
    ...(m.speedMps !== undefined && { speedMps: m.speedMps }),
    ...(state.operatorPosition !== undefined && { operatorPosition: state.operatorPosition }),
    ...(state.operatorId !== undefined && { operatorId: state.operatorId }),
    // The transmitter is stable across one flight's broadcasts: the detector's track.
    trackId: report.transmitter,
  };
  return {
    siteId: report.siteId,
    gatewayId: report.gatewayId,
    eventId: fix.eventId,
    sensorId: report.sensorId,
    kind: 'drone',
    occurredAt: fix.occurredAt,
    source: 'remoteid',
    drone: checkedDrone(drone),
  };
}

/**
 * The same check a gateway's drone event passes, so nothing is stored that a gateway could not
 * send. The decoder already keeps every value in range; should one slip through anyway, the event
 * keeps what identifies the sighting rather than failing its whole ingest batch (which would retry forever).
 */
function checkedDrone(drone: DroneDetails): DroneDetails {
  const checked = DroneDetailsSchema.safeParse(drone);
  if (checked.success) return checked.data;
  const { lat, lon } = drone.position;
  return {
    detection: 'remote_id',
    position: { lat, lon },
    ...(drone.trackId !== undefined && { trackId: drone.trackId }),
  };
}

/** Distance over time from the previous fix, less what both fixes' stated accuracy allows. */
function checkSpeed(
  previous: TransmitterState['lastFix'],
  fix: RemoteIdFix,
  limitMps: number,
): RemoteIdEventMetadata['possibleSpoof'] | undefined {
  if (!previous) return undefined;
  const distance = distanceM(previous, fix.message.position!);
  const slack = (previous.accuracyM ?? 0) + (fix.message.horizontalAccuracyM ?? 0);
  // A tenth of a second is the resolution of Remote ID time: two fixes cannot be closer than that.
  const seconds = Math.max(Math.abs(fix.occurredAt.getTime() - Date.parse(previous.at)) / 1000, 0.1);
  const impliedSpeedMps = Math.max(0, distance - slack) / seconds;
  if (impliedSpeedMps <= limitMps) return undefined;
  return {
    impliedSpeedMps: Math.round(impliedSpeedMps * 10) / 10,
    limitMps,
    previousFix: { lat: previous.lat, lon: previous.lon, at: previous.at },
  };
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle (haversine) distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
