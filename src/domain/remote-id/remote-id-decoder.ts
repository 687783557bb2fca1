import {
  AUTH_TYPES,
  CLASSIFICATION_TYPES,
  codeName,
  DESCRIPTION_TYPES,
  EU_CATEGORIES,
  EU_CLASSES,
  HEIGHT_TYPES,
  HORIZONTAL_ACCURACY_M,
  ID_TYPES,
  MESSAGE_BYTES,
  MESSAGE_NAMES,
  MESSAGE_TYPES,
  OPERATOR_ID_TYPES,
  OPERATOR_LOCATION_TYPES,
  PACK_HEADER_BYTES,
  PACK_MAX_MESSAGES,
  REMOTE_ID_EPOCH_MS,
  SPEED_ACCURACY_MPS,
  STATUSES,
  UA_TYPES,
  VERTICAL_ACCURACY_M,
  type AuthenticationMessage,
  type BasicIdMessage,
  type LatLon,
  type LocationMessage,
  type MessagePack,
  type MessageTypeName,
  type OperatorIdMessage,
  type RemoteIdMessage,
  type SelfIdMessage,
  type SingleMessage,
  type SystemMessage,
} from './remote-id-message';

/**
 * `at` locates the fault inside the message (`.pack[2]` for a packed message), `reason` says
 * which field and why: `Location latitude 91.0000000 is out of range (-90 to 90)`.
 */
export type DecodeResult = { ok: true; message: RemoteIdMessage } | { ok: false; at: string; reason: string };

/** The standard's encodings of "invalid, no value or unknown". */
export const UNKNOWN = {
  /** Direction 361°: encoded 181 with the east/west bit set. */
  directionDeg: 361,
  /** 255 with the multiplier flag: 255 × 0.75 + 63.75 = 255 m/s. */
  speedEncoded: 255,
  /** 63 m/s: encoded 126 in steps of 0.5. */
  verticalSpeedEncoded: 126,
  /** −1000 m: encoded 0. */
  altitudeEncoded: 0,
  /** 0xFFFF tenths of a second. */
  timestamp: 0xffff,
} as const;

export const MAX_TENTHS_AFTER_HOUR = 36000;
const MAX_VERTICAL_SPEED_MPS = 62;

class DecodeError extends Error {}

/** One Remote ID message, or a message pack, from its bytes. Never throws. */
export function decodeRemoteIdMessage(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, message: decode(bytes, false) };
  } catch (error) {
    if (error instanceof PackError) return { ok: false, at: error.at, reason: error.message };
    if (error instanceof DecodeError) return { ok: false, at: '', reason: error.message };
    throw error;
  }
}

class PackError extends DecodeError {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

function decode(bytes: Uint8Array, inPack: boolean): RemoteIdMessage {
  if (bytes.length === 0) throw new DecodeError('message is empty');
  const typeCode = bytes[0]! >> 4;
  const type = typeName(typeCode);
  if (!type) {
    throw new DecodeError(`message type 0x${typeCode.toString(16).toUpperCase()} is not an ASTM F3411 message type`);
  }
  if (type === 'message_pack') {
    if (inPack) throw new DecodeError('a Message Pack must not contain another Message Pack');
    return decodePack(bytes);
  }
  if (bytes.length !== MESSAGE_BYTES) {
    throw new DecodeError(`${MESSAGE_NAMES[type]} message is ${bytes.length} bytes (must be ${MESSAGE_BYTES})`);
  }
  const reader = new Reader(bytes, MESSAGE_NAMES[type]);
  switch (type) {
    case 'basic_id':
      return decodeBasicId(reader);
    case 'location':
      return decodeLocation(reader);
    case 'authentication':
      return decodeAuthentication(reader);
    case 'self_id':
      return decodeSelfId(reader);
    case 'system':
      return decodeSystem(reader);
    case 'operator_id':
      return decodeOperatorId(reader);
  }
}

function typeName(code: number): MessageTypeName | undefined {
  return (Object.keys(MESSAGE_TYPES) as MessageTypeName[]).find((name) => MESSAGE_TYPES[name] === code);
}

function decodePack(bytes: Uint8Array): MessagePack {
  if (bytes.length < PACK_HEADER_BYTES)
    throw new DecodeError(`Message Pack is ${bytes.length} bytes (its header alone is ${PACK_HEADER_BYTES})`);
  const size = bytes[1]!;
  const count = bytes[2]!;
  if (size !== MESSAGE_BYTES) throw new DecodeError(`Message Pack message size is ${size} (must be ${MESSAGE_BYTES})`);
  if (count < 1 || count > PACK_MAX_MESSAGES) {
    throw new DecodeError(`Message Pack message count is ${count} (must be 1 to ${PACK_MAX_MESSAGES})`);
  }
  const expected = PACK_HEADER_BYTES + count * MESSAGE_BYTES;
  if (bytes.length !== expected) {
    throw new DecodeError(`Message Pack of ${count} messages is ${bytes.length} bytes (must be ${expected})`);
  }
  const messages: SingleMessage[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = PACK_HEADER_BYTES + i * MESSAGE_BYTES;
    try {
      messages.push(decode(bytes.subarray(start, start + MESSAGE_BYTES), true) as SingleMessage);
    } catch (error) {
      if (error instanceof DecodeError) throw new PackError(`.pack[${i}]`, error.message);
      throw error;
    }
  }
  // One broadcast snapshot: two fixes, systems or operator ids in one pack contradict each other.
  for (const type of ['location', 'self_id', 'system', 'operator_id'] as const) {
    const n = messages.filter((m) => m.type === type).length;
    if (n > 1) throw new DecodeError(`Message Pack holds ${n} ${MESSAGE_NAMES[type]} messages (at most 1)`);
  }
  return { type: 'message_pack', protocolVersion: bytes[0]! & 0x0f, messages };
}

function decodeBasicId(r: Reader): BasicIdMessage {
  const idTypeCode = r.u8(1) >> 4;
  const idType = codeName(ID_TYPES, idTypeCode);
  const uasId = basicIdText(r, idType);
  return {
    type: 'basic_id',
    protocolVersion: r.version,
    idType,
    uaType: codeName(UA_TYPES, r.u8(1) & 0x0f),
    ...(uasId !== undefined && { uasId }),
  };
}

function basicIdText(r: Reader, idType: BasicIdMessage['idType']): string | undefined {
  const raw = r.bytes(2, 20);
  switch (idType) {
    case 'none':
      return undefined;
    case 'serial_number':
    case 'caa_registration':
      return r.text(2, 20, 'UAS ID');
    case 'utm_uuid': {
      if (raw.every((b) => b === 0)) return undefined;
      const hex = toHex(raw.subarray(0, 16));
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    default:
      return raw.every((b) => b === 0) ? undefined : toHex(raw);
  }
}

function decodeLocation(r: Reader): LocationMessage {
  const flags = r.u8(1);
  const speedMultiplier = (flags & 0x01) !== 0;
  const westward = (flags & 0x02) !== 0;
  const heightType = HEIGHT_TYPES[(flags >> 2) & 0x01]!;

  const directionRaw = r.u8(2) + (westward ? 180 : 0);
  const speedRaw = r.u8(3);
  const verticalRaw = r.i8(4);
  const position = r.position(5, 'latitude', 'longitude');
  const tenths = r.u16(21);
  if (tenths !== UNKNOWN.timestamp && tenths > MAX_TENTHS_AFTER_HOUR) {
    throw r.fault(
      `timestamp ${tenths} tenths of a second after the hour is out of range (0 to ${MAX_TENTHS_AFTER_HOUR}, or 65535 for unknown)`,
    );
  }
  const tsAccuracy = r.u8(23) & 0x0f;

  const message: LocationMessage = {
    type: 'location',
    protocolVersion: r.version,
    status: codeName(STATUSES, flags >> 4),
    heightType,
  };
  // 361° is the standard's unknown; nothing above 360 is a direction.
  if (directionRaw <= 360) message.directionDeg = directionRaw;
  if (!(speedMultiplier && speedRaw === UNKNOWN.speedEncoded)) {
    message.speedMps = speedMultiplier ? speedRaw * 0.75 + 255 * 0.25 : speedRaw * 0.25;
  }
  // 63 m/s is unknown; the other values beyond ±62 are not allowed: invalid counts as unknown.
  if (verticalRaw !== UNKNOWN.verticalSpeedEncoded && Math.abs(verticalRaw * 0.5) <= MAX_VERTICAL_SPEED_MPS) {
    message.verticalSpeedMps = verticalRaw * 0.5;
  }
  if (position) message.position = position;
  assign(message, 'pressureAltitudeM', r.altitude(13));
  assign(message, 'geodeticAltitudeM', r.altitude(15));
  assign(message, 'heightM', r.altitude(17));
  assign(message, 'horizontalAccuracyM', HORIZONTAL_ACCURACY_M[r.u8(19) & 0x0f]);
  assign(message, 'verticalAccuracyM', VERTICAL_ACCURACY_M[r.u8(19) >> 4]);
  assign(message, 'barometricAccuracyM', VERTICAL_ACCURACY_M[r.u8(20) >> 4]);
  assign(message, 'speedAccuracyMps', SPEED_ACCURACY_MPS[r.u8(20) & 0x0f]);
  if (tenths !== UNKNOWN.timestamp) message.tenthsAfterHour = tenths;
  if (tsAccuracy !== 0) message.timestampAccuracyS = tsAccuracy / 10;
  return message;
}

function decodeAuthentication(r: Reader): AuthenticationMessage {
  const page = r.u8(1) & 0x0f;
  const authType = codeName(AUTH_TYPES, r.u8(1) >> 4);
  if (page !== 0) {
    return { type: 'authentication', protocolVersion: r.version, authType, page, dataHex: toHex(r.bytes(2, 23)) };
  }
  const lastPageIndex = r.u8(2);
  const length = r.u8(3);
  if (lastPageIndex > 15) throw r.fault(`last page index ${lastPageIndex} is out of range (0 to 15)`);
  const capacity = 17 + lastPageIndex * 23;
  if (length > capacity) {
    throw r.fault(`length ${length} bytes exceeds what ${lastPageIndex + 1} page(s) hold (${capacity} bytes)`);
  }
  const seconds = r.u32(4);
  return {
    type: 'authentication',
    protocolVersion: r.version,
    authType,
    page,
    lastPageIndex,
    length,
    ...(seconds !== 0 && { timestamp: new Date(REMOTE_ID_EPOCH_MS + seconds * 1000) }),
    dataHex: toHex(r.bytes(8, 17)),
  };
}

function decodeSelfId(r: Reader): SelfIdMessage {
  const description = r.text(2, 23, 'description');
  return {
    type: 'self_id',
    protocolVersion: r.version,
    descriptionType: codeName(DESCRIPTION_TYPES, r.u8(1)),
    ...(description !== undefined && { description }),
  };
}

function decodeSystem(r: Reader): SystemMessage {
  const flags = r.u8(1);
  const classificationType = codeName(CLASSIFICATION_TYPES, (flags >> 2) & 0x07);
  const operatorPosition = r.position(2, 'operator latitude', 'operator longitude');
  const seconds = r.u32(20);
  const message: SystemMessage = {
    type: 'system',
    protocolVersion: r.version,
    operatorLocationType: codeName(OPERATOR_LOCATION_TYPES, flags & 0x03),
    classificationType,
    areaCount: r.u16(10),
    areaRadiusM: r.u8(12) * 10,
  };
  if (operatorPosition) message.operatorPosition = operatorPosition;
  assign(message, 'areaCeilingM', r.altitude(13));
  assign(message, 'areaFloorM', r.altitude(15));
  if (classificationType === 'eu') {
    message.euCategory = codeName(EU_CATEGORIES, r.u8(17) >> 4);
    message.euClass = codeName(EU_CLASSES, r.u8(17) & 0x0f);
  }
  assign(message, 'operatorAltitudeM', r.altitude(18));
  if (seconds !== 0) message.timestamp = new Date(REMOTE_ID_EPOCH_MS + seconds * 1000);
  return message;
}

function decodeOperatorId(r: Reader): OperatorIdMessage {
  const operatorId = r.text(2, 20, 'operator ID');
  return {
    type: 'operator_id',
    protocolVersion: r.version,
    operatorIdType: codeName(OPERATOR_ID_TYPES, r.u8(1)),
    ...(operatorId !== undefined && { operatorId }),
  };
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** Little-endian fields of one 25-byte message; faults name the message and the field. */
class Reader {
  private readonly view: DataView;
  readonly version: number;

  constructor(
    private readonly data: Uint8Array,
    private readonly name: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.version = data[0]! & 0x0f;
  }

  fault(what: string): DecodeError {
    return new DecodeError(`${this.name} ${what}`);
  }

  u8(at: number): number {
    return this.view.getUint8(at);
  }
  i8(at: number): number {
    return this.view.getInt8(at);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  bytes(at: number, length: number): Uint8Array {
    return this.data.subarray(at, at + length);
  }

  /** Altitudes are 0.5 m steps from −1000 m; −1000 itself (encoded 0) is unknown. */
  altitude(at: number): number | undefined {
    const raw = this.u16(at);
    return raw === UNKNOWN.altitudeEncoded ? undefined : raw * 0.5 - 1000;
  }

  /** Degrees × 10⁷; 0,0 is unknown. A latitude or longitude out of range is a corrupt fix, not an unknown one. */
  position(at: number, latName: string, lonName: string): LatLon | undefined {
    const latRaw = this.view.getInt32(at, true);
    const lonRaw = this.view.getInt32(at + 4, true);
    if (latRaw === 0 && lonRaw === 0) return undefined;
    const lat = latRaw / 1e7;
    const lon = lonRaw / 1e7;
    if (Math.abs(lat) > 90) throw this.fault(`${latName} ${lat.toFixed(7)} is out of range (-90 to 90)`);
    if (Math.abs(lon) > 180) throw this.fault(`${lonName} ${lon.toFixed(7)} is out of range (-180 to 180)`);
    return { lat, lon };
  }

  /** ASCII text, NUL-padded; absent when empty. A control or non-ASCII byte makes the message undecodable. */
  text(at: number, length: number, field: string): string | undefined {
    const raw = this.bytes(at, length);
    const end = raw.indexOf(0);
    const used = end === -1 ? raw : raw.subarray(0, end);
    const bad = used.findIndex((b) => b < 0x20 || b > 0x7e);
    if (bad !== -1) {
      throw this.fault(
        `${field} holds the byte 0x${used[bad]!.toString(16).padStart(2, '0')} at position ${bad} (printable ASCII only)`,
      );
    }
    const text = String.fromCharCode(...used).trim();
    return text === '' ? undefined : text;
  }
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
