import { toHex, UNKNOWN } from './remote-id-decoder';
import {
  AUTH_TYPES,
  CLASSIFICATION_TYPES,
  DESCRIPTION_TYPES,
  EU_CATEGORIES,
  EU_CLASSES,
  HEIGHT_TYPES,
  HORIZONTAL_ACCURACY_M,
  ID_TYPES,
  MESSAGE_BYTES,
  MESSAGE_TYPES,
  nameCode,
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
  type OperatorIdMessage,
  type RemoteIdMessage,
  type SelfIdMessage,
  type SingleMessage,
  type SystemMessage,
} from './remote-id-message';

/**
 * Writes Remote ID messages from readable values: what a transmitter would broadcast. Used by
 * tests and the simulator. Absent optional values are written as the standard's "unknown";
 * enumerations and counts a message needs default to their first value (or 1 area, 0 m radius).
 */
export const PROTOCOL_VERSION = 2;

type Input<T extends { type: string; protocolVersion: number }, Defaulted extends keyof T> = Omit<
  T,
  'protocolVersion' | Defaulted
> &
  Partial<Pick<T, Defaulted | 'protocolVersion'>>;

export type BasicIdInput = Input<BasicIdMessage, 'idType' | 'uaType'>;
export type LocationInput = Input<LocationMessage, 'status' | 'heightType'>;
export type AuthenticationInput = Input<AuthenticationMessage, 'authType' | 'page' | 'dataHex'>;
export type SelfIdInput = Input<SelfIdMessage, 'descriptionType'>;
export type SystemInput = Input<
  SystemMessage,
  'operatorLocationType' | 'classificationType' | 'areaCount' | 'areaRadiusM'
>;
export type OperatorIdInput = Input<OperatorIdMessage, 'operatorIdType'>;
export type SingleMessageInput =
  BasicIdInput | LocationInput | AuthenticationInput | SelfIdInput | SystemInput | OperatorIdInput;
export type MessagePackInput = { type: 'message_pack'; protocolVersion?: number; messages: SingleMessageInput[] };
export type RemoteIdMessageInput = SingleMessageInput | MessagePackInput;

export function encodeRemoteIdMessage(message: RemoteIdMessageInput | RemoteIdMessage): Uint8Array {
  if (message.type === 'message_pack') return encodePack(message);
  const w = new Writer(MESSAGE_TYPES[message.type], message.protocolVersion ?? PROTOCOL_VERSION);
  switch (message.type) {
    case 'basic_id':
      encodeBasicId(w, message);
      break;
    case 'location':
      encodeLocation(w, message);
      break;
    case 'authentication':
      encodeAuthentication(w, message);
      break;
    case 'self_id':
      w.u8(1, nameCode(DESCRIPTION_TYPES, message.descriptionType ?? 'text'));
      w.text(2, 23, message.description);
      break;
    case 'system':
      encodeSystem(w, message);
      break;
    case 'operator_id':
      w.u8(1, nameCode(OPERATOR_ID_TYPES, message.operatorIdType ?? 'operator_id'));
      w.text(2, 20, message.operatorId);
      break;
  }
  return w.data;
}

/** Hex text, as a receiver puts messages in the `remoteid` payload. */
export function encodeRemoteIdHex(message: RemoteIdMessageInput | RemoteIdMessage): string {
  return toHex(encodeRemoteIdMessage(message));
}

function encodePack(pack: MessagePackInput | MessagePack): Uint8Array {
  const count = pack.messages.length;
  if (count < 1 || count > PACK_MAX_MESSAGES)
    throw new RangeError(`a message pack holds 1 to ${PACK_MAX_MESSAGES} messages (got ${count})`);
  const data = new Uint8Array(PACK_HEADER_BYTES + count * MESSAGE_BYTES);
  data[0] = (MESSAGE_TYPES.message_pack << 4) | ((pack.protocolVersion ?? PROTOCOL_VERSION) & 0x0f);
  data[1] = MESSAGE_BYTES;
  data[2] = count;
  pack.messages.forEach((m: SingleMessageInput | SingleMessage, i) =>
    data.set(encodeRemoteIdMessage(m), PACK_HEADER_BYTES + i * MESSAGE_BYTES),
  );
  return data;
}

function encodeBasicId(w: Writer, m: BasicIdInput): void {
  const idType = m.idType ?? 'serial_number';
  w.u8(1, (nameCode(ID_TYPES, idType) << 4) | nameCode(UA_TYPES, m.uaType ?? 'none'));
  if (m.uasId === undefined) return;
  if (idType === 'serial_number' || idType === 'caa_registration') w.text(2, 20, m.uasId);
  else w.bytes(2, hexBytes(m.uasId.replace(/-/g, ''), 20));
}

function encodeLocation(w: Writer, m: LocationInput): void {
  let direction = m.directionDeg === undefined ? UNKNOWN.directionDeg : Math.round(m.directionDeg) % 360;
  const westward = direction >= 180;
  if (westward) direction -= 180;

  let speedMultiplier = true;
  let speed: number = UNKNOWN.speedEncoded;
  if (m.speedMps !== undefined) {
    speedMultiplier = m.speedMps > 255 * 0.25;
    speed = speedMultiplier
      ? Math.min(254, Math.round((m.speedMps - 255 * 0.25) / 0.75))
      : Math.round(m.speedMps / 0.25);
  }
  const vertical =
    m.verticalSpeedMps === undefined
      ? UNKNOWN.verticalSpeedEncoded
      : clamp(Math.round(m.verticalSpeedMps / 0.5), -124, 124);

  const flags =
    (nameCode(STATUSES, m.status ?? 'undeclared') << 4) |
    (HEIGHT_TYPES.indexOf(m.heightType ?? 'above_takeoff') << 2) |
    (westward ? 0x02 : 0) |
    (speedMultiplier ? 0x01 : 0);
  w.u8(1, flags);
  w.u8(2, direction);
  w.u8(3, speed);
  w.i8(4, vertical);
  w.position(5, m.position);
  w.altitude(13, m.pressureAltitudeM);
  w.altitude(15, m.geodeticAltitudeM);
  w.altitude(17, m.heightM);
  w.u8(
    19,
    (accuracyCode(VERTICAL_ACCURACY_M, m.verticalAccuracyM) << 4) |
      accuracyCode(HORIZONTAL_ACCURACY_M, m.horizontalAccuracyM),
  );
  w.u8(
    20,
    (accuracyCode(VERTICAL_ACCURACY_M, m.barometricAccuracyM) << 4) |
      accuracyCode(SPEED_ACCURACY_MPS, m.speedAccuracyMps),
  );
  w.u16(21, m.tenthsAfterHour === undefined ? UNKNOWN.timestamp : m.tenthsAfterHour);
  w.u8(23, m.timestampAccuracyS === undefined ? 0 : clamp(Math.round(m.timestampAccuracyS * 10), 1, 15));
}

function encodeAuthentication(w: Writer, m: AuthenticationInput): void {
  const page = m.page ?? 0;
  w.u8(1, (nameCode(AUTH_TYPES, m.authType ?? 'none') << 4) | (page & 0x0f));
  if (page !== 0) {
    w.bytes(2, hexBytes(m.dataHex ?? '', 23));
    return;
  }
  w.u8(2, m.lastPageIndex ?? 0);
  w.u8(3, m.length ?? 0);
  w.u32(4, m.timestamp ? remoteIdSeconds(m.timestamp) : 0);
  w.bytes(8, hexBytes(m.dataHex ?? '', 17));
}

function encodeSystem(w: Writer, m: SystemInput): void {
  const classification = m.classificationType ?? 'undeclared';
  w.u8(
    1,
    (nameCode(CLASSIFICATION_TYPES, classification) << 2) |
      nameCode(OPERATOR_LOCATION_TYPES, m.operatorLocationType ?? 'takeoff'),
  );
  w.position(2, m.operatorPosition);
  w.u16(10, m.areaCount ?? 1);
  w.u8(12, clamp(Math.round((m.areaRadiusM ?? 0) / 10), 0, 255));
  w.altitude(13, m.areaCeilingM);
  w.altitude(15, m.areaFloorM);
  if (classification === 'eu') {
    w.u8(
      17,
      (nameCode(EU_CATEGORIES, m.euCategory ?? 'undeclared') << 4) | nameCode(EU_CLASSES, m.euClass ?? 'undeclared'),
    );
  }
  w.altitude(18, m.operatorAltitudeM);
  w.u32(20, m.timestamp ? remoteIdSeconds(m.timestamp) : 0);
}

/** The code of the tightest category that still covers the accuracy; 0 (unknown) when absent or too coarse. */
function accuracyCode(table: readonly (number | undefined)[], value: number | undefined): number {
  if (value === undefined) return 0;
  let code = 0;
  table.forEach((bound, i) => {
    if (bound !== undefined && bound >= value) code = i;
  });
  return code;
}

function remoteIdSeconds(at: Date): number {
  return Math.round((at.getTime() - REMOTE_ID_EPOCH_MS) / 1000);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function hexBytes(hex: string, length: number): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex) || hex.length > length * 2)
    throw new RangeError(`not hex of at most ${length} bytes: ${hex}`);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < hex.length / 2; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

class Writer {
  readonly data = new Uint8Array(MESSAGE_BYTES);
  private readonly view = new DataView(this.data.buffer);

  constructor(type: number, version: number) {
    this.data[0] = (type << 4) | (version & 0x0f);
  }

  u8(at: number, value: number): void {
    this.view.setUint8(at, value);
  }
  i8(at: number, value: number): void {
    this.view.setInt8(at, value);
  }
  u16(at: number, value: number): void {
    this.view.setUint16(at, value, true);
  }
  u32(at: number, value: number): void {
    this.view.setUint32(at, value, true);
  }
  bytes(at: number, bytes: Uint8Array): void {
    this.data.set(bytes, at);
  }
  altitude(at: number, metres: number | undefined): void {
    this.u16(at, metres === undefined ? UNKNOWN.altitudeEncoded : clamp(Math.round((metres + 1000) / 0.5), 1, 0xffff));
  }
  position(at: number, position: LatLon | undefined): void {
    this.view.setInt32(at, position ? Math.round(position.lat * 1e7) : 0, true);
    this.view.setInt32(at + 4, position ? Math.round(position.lon * 1e7) : 0, true);
  }
  text(at: number, length: number, text: string | undefined): void {
    if (text === undefined) return;
    if (text.length > length || !/^[\x20-\x7e]*$/.test(text))
      throw new RangeError(`not printable ASCII of at most ${length} characters: ${text}`);
    for (let i = 0; i < text.length; i += 1) this.data[at + i] = text.charCodeAt(i);
  }
}
