import { decodeRemoteIdMessage, toHex } from './remote-id-decoder';
import { encodeRemoteIdHex, encodeRemoteIdMessage, type RemoteIdMessageInput } from './remote-id-encoder';
import type { RemoteIdMessage } from './remote-id-message';

function roundTrip(input: RemoteIdMessageInput): RemoteIdMessage {
  const result = decodeRemoteIdMessage(encodeRemoteIdMessage(input));
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const LOCATION: RemoteIdMessageInput = {
  type: 'location',
  status: 'airborne',
  heightType: 'above_takeoff',
  directionDeg: 213,
  speedMps: 17.5,
  verticalSpeedMps: 1.5,
  position: { lat: -10.7148123, lon: 25.4663456 },
  pressureAltitudeM: 1440,
  geodeticAltitudeM: 1452.5,
  heightM: 85,
  horizontalAccuracyM: 3,
  verticalAccuracyM: 10,
  barometricAccuracyM: 3,
  speedAccuracyMps: 0.3,
  tenthsAfterHour: 35999,
  timestampAccuracyS: 0.1,
};

describe('encodeRemoteIdMessage', () => {
  it.each<[string, RemoteIdMessageInput]>([
    ['a Location', LOCATION],
    [
      'a Location above 63.75 m/s (speed multiplier)',
      { ...LOCATION, speedMps: 100.5, directionDeg: 0 } as RemoteIdMessageInput,
    ],
    [
      'a Basic ID with a serial number',
      { type: 'basic_id', idType: 'serial_number', uaType: 'helicopter_or_multirotor', uasId: '1581F5FKD232800D2TK8' },
    ],
    [
      'a Basic ID with a CAA registration',
      { type: 'basic_id', idType: 'caa_registration', uaType: 'aeroplane', uasId: 'ZM-UAS-1207' },
    ],
    [
      'a Basic ID with a UTM UUID',
      { type: 'basic_id', idType: 'utm_uuid', uaType: 'other', uasId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11' },
    ],
    [
      'a Basic ID with a reserved id type',
      { type: 'basic_id', idType: 9, uaType: 'kite', uasId: `01${'00'.repeat(18)}ff` },
    ],
    [
      'a System',
      {
        type: 'system',
        operatorLocationType: 'fixed',
        classificationType: 'eu',
        operatorPosition: { lat: 51.4777, lon: -0.0015 },
        areaCount: 3,
        areaRadiusM: 120,
        areaCeilingM: 300,
        areaFloorM: 10,
        euCategory: 'specific',
        euClass: 'class_3',
        operatorAltitudeM: 45.5,
        timestamp: new Date('2026-11-29T02:12:44Z'),
      },
    ],
    ['an Operator ID', { type: 'operator_id', operatorIdType: 'operator_id', operatorId: 'ZMB87astrdge12k8' }],
    ['a Self-ID', { type: 'self_id', descriptionType: 'text', description: 'Pit survey north wall' }],
    [
      'an Authentication page 0',
      {
        type: 'authentication',
        authType: 'message_set_signature',
        page: 0,
        lastPageIndex: 1,
        length: 40,
        timestamp: new Date('2026-11-29T02:12:44Z'),
        dataHex: '0102030405060708090a0b0c0d0e0f1011',
      },
    ],
    [
      'an Authentication page 1',
      { type: 'authentication', authType: 'message_set_signature', page: 1, dataHex: 'aa'.repeat(23) },
    ],
  ])('decodes %s back to what was encoded', (_name, input) => {
    expect(roundTrip(input)).toEqual({ protocolVersion: 2, ...input });
  });

  it('writes unknown values with the standard encodings, which decode as absent', () => {
    const bytes = encodeRemoteIdMessage({ type: 'location' });
    const view = new DataView(bytes.buffer);
    expect(view.getUint8(2) + ((view.getUint8(1) & 0x02) !== 0 ? 180 : 0)).toBe(361);
    expect([view.getUint8(3), view.getUint8(1) & 0x01]).toEqual([255, 1]);
    expect(view.getInt8(4)).toBe(126);
    expect([view.getInt32(5, true), view.getInt32(9, true)]).toEqual([0, 0]);
    expect([view.getUint16(13, true), view.getUint16(15, true), view.getUint16(17, true)]).toEqual([0, 0, 0]);
    expect(view.getUint16(21, true)).toBe(0xffff);
    expect(roundTrip({ type: 'location' })).toEqual({
      type: 'location',
      protocolVersion: 2,
      status: 'undeclared',
      heightType: 'above_takeoff',
    });
  });

  it('rounds to the resolution of the encoding', () => {
    expect(
      roundTrip({ ...LOCATION, speedMps: 12.3, directionDeg: 359.6, geodeticAltitudeM: 100.3 } as RemoteIdMessageInput),
    ).toMatchObject({
      speedMps: 12.25,
      directionDeg: 0,
      geodeticAltitudeM: 100.5,
    });
  });

  it('encodes a message pack that decodes back to its messages, with the pack header', () => {
    const pack: RemoteIdMessageInput = {
      type: 'message_pack',
      messages: [
        { type: 'basic_id', idType: 'serial_number', uaType: 'helicopter_or_multirotor', uasId: 'SN-1' },
        LOCATION,
        { type: 'operator_id', operatorIdType: 'operator_id', operatorId: 'OP-1' },
      ],
    };
    const hex = encodeRemoteIdHex(pack);
    expect(hex.slice(0, 6)).toBe('f21903');
    expect(hex).toHaveLength((3 + 3 * 25) * 2);
    const decoded = roundTrip(pack);
    expect(decoded).toEqual({
      type: 'message_pack',
      protocolVersion: 2,
      messages: pack.messages.map((m) => ({ protocolVersion: 2, ...m })),
    });
  });

  it('gives the same bytes for a message decoded and encoded again', () => {
    const hex = encodeRemoteIdHex(LOCATION);
    const result = decodeRemoteIdMessage(encodeRemoteIdMessage(LOCATION));
    expect(result.ok && toHex(encodeRemoteIdMessage(result.message))).toBe(hex);
  });
});
