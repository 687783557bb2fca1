/**
 * ASTM F3411 (Remote ID) broadcast messages as OreGuard reads them: every message is 25 bytes,
 * its first byte the message type (high nibble) and protocol version (low nibble); a message
 * pack carries several. Values are in readable units; the standard's "invalid, no value or
 * unknown" encodings are absent (undefined), never numbers. Enumerations the standard names
 * are strings; a code it reserves stays a number, so decoding then encoding gives the same bytes.
 */

export const MESSAGE_BYTES = 25;
/** A message pack holds at most this many messages (ASTM F3411, and the 255-byte Bluetooth 5 / Wi-Fi frame). */
export const PACK_MAX_MESSAGES = 9;
export const PACK_HEADER_BYTES = 3;

export const MESSAGE_TYPES = {
  basic_id: 0x0,
  location: 0x1,
  authentication: 0x2,
  self_id: 0x3,
  system: 0x4,
  operator_id: 0x5,
  message_pack: 0xf,
} as const;
export type MessageTypeName = keyof typeof MESSAGE_TYPES;

/** Names of the standard's enumerations by code; codes not listed are reserved. */
export const ID_TYPES = ['none', 'serial_number', 'caa_registration', 'utm_uuid', 'specific_session'] as const;
export const UA_TYPES = [
  'none',
  'aeroplane',
  'helicopter_or_multirotor',
  'gyroplane',
  'hybrid_lift',
  'ornithopter',
  'glider',
  'kite',
  'free_balloon',
  'captive_balloon',
  'airship',
  'free_fall_parachute',
  'rocket',
  'tethered_powered_aircraft',
  'ground_obstacle',
  'other',
] as const;
export const STATUSES = ['undeclared', 'ground', 'airborne', 'emergency', 'remote_id_system_failure'] as const;
export const HEIGHT_TYPES = ['above_takeoff', 'above_ground'] as const;
export const AUTH_TYPES = [
  'none',
  'uas_id_signature',
  'operator_id_signature',
  'message_set_signature',
  'network_remote_id',
  'specific_authentication',
] as const;
export const DESCRIPTION_TYPES = ['text', 'emergency', 'extended_status'] as const;
export const OPERATOR_ID_TYPES = ['operator_id'] as const;
export const OPERATOR_LOCATION_TYPES = ['takeoff', 'live_gnss', 'fixed'] as const;
export const CLASSIFICATION_TYPES = ['undeclared', 'eu'] as const;
export const EU_CATEGORIES = ['undeclared', 'open', 'specific', 'certified'] as const;
export const EU_CLASSES = [
  'undeclared',
  'class_0',
  'class_1',
  'class_2',
  'class_3',
  'class_4',
  'class_5',
  'class_6',
] as const;

/** A named code, or the number of a code the standard reserves. */
export type Coded<T extends readonly string[]> = T[number] | number;

/** Accuracy categories, in metres (or m/s, or s), by code; code 0 is unknown. */
export const HORIZONTAL_ACCURACY_M = [
  undefined,
  18520,
  7408,
  3704,
  1852,
  926,
  555.6,
  185.2,
  92.6,
  30,
  10,
  3,
  1,
] as const;
export const VERTICAL_ACCURACY_M = [undefined, 150, 45, 25, 10, 3, 1] as const;
export const SPEED_ACCURACY_MPS = [undefined, 10, 3, 1, 0.3] as const;

export interface LatLon {
  lat: number;
  lon: number;
}

export interface BasicIdMessage {
  type: 'basic_id';
  protocolVersion: number;
  idType: Coded<typeof ID_TYPES>;
  uaType: Coded<typeof UA_TYPES>;
  /**
   * Serial number or CAA registration as text; a UTM-assigned UUID in its text form; other
   * (binary) id types as the 20 bytes in hex. Absent when the id type is `none` or the id is empty.
   */
  uasId?: string;
}

export interface LocationMessage {
  type: 'location';
  protocolVersion: number;
  status: Coded<typeof STATUSES>;
  heightType: (typeof HEIGHT_TYPES)[number];
  /** Track direction over ground, degrees from true north, 0–360. */
  directionDeg?: number;
  /** Ground speed, 0–254.25 m/s. */
  speedMps?: number;
  /** −62 to 62 m/s, up positive. */
  verticalSpeedMps?: number;
  position?: LatLon;
  /** Barometric altitude (29.92 inHg reference). */
  pressureAltitudeM?: number;
  /** WGS84 height above the ellipsoid. */
  geodeticAltitudeM?: number;
  /** Height above take-off or ground (see `heightType`). */
  heightM?: number;
  horizontalAccuracyM?: number;
  verticalAccuracyM?: number;
  barometricAccuracyM?: number;
  speedAccuracyMps?: number;
  /** When the fix was taken: tenths of a second after the full hour, UTC (0–36000). */
  tenthsAfterHour?: number;
  timestampAccuracyS?: number;
}

export interface AuthenticationMessage {
  type: 'authentication';
  protocolVersion: number;
  authType: Coded<typeof AUTH_TYPES>;
  page: number;
  /** Page 0 only. */
  lastPageIndex?: number;
  /** Page 0 only: bytes of authentication data over all pages. */
  length?: number;
  /** Page 0 only. */
  timestamp?: Date;
  /** This page's data bytes as written (17 on page 0, 23 on the others), in hex. */
  dataHex: string;
}

export interface SelfIdMessage {
  type: 'self_id';
  protocolVersion: number;
  descriptionType: Coded<typeof DESCRIPTION_TYPES>;
  description?: string;
}

export interface SystemMessage {
  type: 'system';
  protocolVersion: number;
  operatorLocationType: Coded<typeof OPERATOR_LOCATION_TYPES>;
  classificationType: Coded<typeof CLASSIFICATION_TYPES>;
  operatorPosition?: LatLon;
  areaCount: number;
  /** Multiples of 10 m, at most 2550. */
  areaRadiusM: number;
  areaCeilingM?: number;
  areaFloorM?: number;
  /** Only with the EU classification. */
  euCategory?: Coded<typeof EU_CATEGORIES>;
  /** Only with the EU classification. */
  euClass?: Coded<typeof EU_CLASSES>;
  operatorAltitudeM?: number;
  timestamp?: Date;
}

export interface OperatorIdMessage {
  type: 'operator_id';
  protocolVersion: number;
  operatorIdType: Coded<typeof OPERATOR_ID_TYPES>;
  operatorId?: string;
}

export type SingleMessage =
  BasicIdMessage | LocationMessage | AuthenticationMessage | SelfIdMessage | SystemMessage | OperatorIdMessage;

export interface MessagePack {
  type: 'message_pack';
  protocolVersion: number;
  messages: SingleMessage[];
}

export type RemoteIdMessage = SingleMessage | MessagePack;

/** Human names for reasons: "Location latitude …". */
export const MESSAGE_NAMES: Record<MessageTypeName, string> = {
  basic_id: 'Basic ID',
  location: 'Location',
  authentication: 'Authentication',
  self_id: 'Self-ID',
  system: 'System',
  operator_id: 'Operator ID',
  message_pack: 'Message Pack',
};

/** Remote ID times (Authentication, System) count seconds from 2019-01-01T00:00:00Z. */
export const REMOTE_ID_EPOCH_MS = Date.UTC(2019, 0, 1);

export function codeName<T extends readonly string[]>(names: T, code: number): Coded<T> {
  return code < names.length ? (names[code] as T[number]) : code;
}

export function nameCode<T extends readonly string[]>(names: T, value: Coded<T>): number {
  if (typeof value === 'number') return value;
  return names.indexOf(value);
}
