import { decodeRemoteIdMessage, fromHex, toHex } from './remote-id-decoder';
import { encodeRemoteIdMessage } from './remote-id-encoder';
import type { RemoteIdMessage } from './remote-id-message';

/** A 25-byte message written field by field, little-endian, as ASTM F3411 lays it out. */
function bytes(fill: (v: DataView) => void, length = 25): Uint8Array {
  const data = new Uint8Array(length);
  fill(new DataView(data.buffer));
  return data;
}

function decoded(data: Uint8Array): RemoteIdMessage {
  const result = decodeRemoteIdMessage(data);
  if (!result.ok) throw new Error(`expected a message, got: ${result.at} ${result.reason}`);
  return result.message;
}

function failure(data: Uint8Array): string {
  const result = decodeRemoteIdMessage(data);
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.message)}`);
  return `${result.at}${result.at ? ' ' : ''}${result.reason}`;
}

/** A Location from a multirotor over Kolwezi, written by hand (not by our encoder). */
const KOLWEZI_LOCATION = bytes((v) => {
  v.setUint8(0, 0x12); // Location, protocol version 2
  v.setUint8(1, (2 << 4) | (1 << 2) | 0x02); // airborne, height above ground, westward half, speed ×0.25
  v.setUint8(2, 90); // 90 + 180 = 270°
  v.setUint8(3, 48); // 12 m/s
  v.setInt8(4, -4); // −2 m/s
  v.setInt32(5, -107148000, true);
  v.setInt32(9, 254663000, true);
  v.setUint16(13, 0, true); // pressure altitude unknown
  v.setUint16(15, 4901, true); // 1450.5 m
  v.setUint16(17, 2240, true); // 120 m
  v.setUint8(19, (3 << 4) | 10); // vertical 25 m, horizontal 10 m
  v.setUint8(20, (0 << 4) | 3); // baro unknown, speed 1 m/s
  v.setUint16(21, 12345, true);
  v.setUint8(23, 2); // 0.2 s
});

describe('decodeRemoteIdMessage', () => {
  it('reads every field of a Location message at its ASTM F3411 offset', () => {
    expect(decoded(KOLWEZI_LOCATION)).toEqual({
      type: 'location',
      protocolVersion: 2,
      status: 'airborne',
      heightType: 'above_ground',
      directionDeg: 270,
      speedMps: 12,
      verticalSpeedMps: -2,
      position: { lat: -10.7148, lon: 25.4663 },
      geodeticAltitudeM: 1450.5,
      heightM: 120,
      horizontalAccuracyM: 10,
      verticalAccuracyM: 25,
      speedAccuracyMps: 1,
      tenthsAfterHour: 12345,
      timestampAccuracyS: 0.2,
    });
  });

  it('leaves out every "unknown" value of a Location: position 0,0, altitude −1000, direction 361, speed 255, vertical speed 63, time 0xFFFF', () => {
    const unknowns = bytes((v) => {
      v.setUint8(0, 0x12);
      v.setUint8(1, 0x02 | 0x01); // westward, multiplier
      v.setUint8(2, 181); // 361°
      v.setUint8(3, 255); // 255 × 0.75 + 63.75 = 255 m/s
      v.setInt8(4, 126); // 63 m/s
      v.setUint16(21, 0xffff, true);
    });
    const message = decoded(unknowns);
    expect(message).toEqual({
      type: 'location',
      protocolVersion: 2,
      status: 'undeclared',
      heightType: 'above_takeoff',
    });
    for (const field of [
      'position',
      'pressureAltitudeM',
      'geodeticAltitudeM',
      'heightM',
      'directionDeg',
      'speedMps',
      'verticalSpeedMps',
      'tenthsAfterHour',
    ]) {
      expect(message).not.toHaveProperty(field);
    }
  });

  it('reads the speed multiplier: 255 without it is 63.75 m/s, 254 with it 254.25 m/s', () => {
    const speed = (raw: number, multiplier: boolean) =>
      (
        decoded(bytes((v) => (v.setUint8(0, 0x12), v.setUint8(1, multiplier ? 1 : 0), v.setUint8(3, raw)))) as {
          speedMps?: number;
        }
      ).speedMps;
    expect(speed(255, false)).toBe(63.75);
    expect(speed(254, true)).toBe(254.25);
    expect(speed(0, true)).toBe(63.75);
    expect(speed(255, true)).toBeUndefined();
  });

  it('treats directions past 360 and vertical speeds past ±62 m/s as unknown', () => {
    const m = decoded(bytes((v) => (v.setUint8(0, 0x12), v.setUint8(1, 0x02), v.setUint8(2, 200), v.setInt8(4, -126))));
    expect(m).not.toHaveProperty('directionDeg');
    expect(m).not.toHaveProperty('verticalSpeedMps');
    const due = decoded(bytes((v) => (v.setUint8(0, 0x12), v.setUint8(1, 0x02), v.setUint8(2, 180))));
    expect(due).toMatchObject({ directionDeg: 360 });
  });

  it('reads a Basic ID: id type and UA type nibbles, the serial number as text', () => {
    const basic = bytes((v) => {
      v.setUint8(0, 0x02);
      v.setUint8(1, (1 << 4) | 2);
    });
    basic.set(new TextEncoder().encode('1581F5FKD232800D2TK8'), 2);
    expect(decoded(basic)).toEqual({
      type: 'basic_id',
      protocolVersion: 2,
      idType: 'serial_number',
      uaType: 'helicopter_or_multirotor',
      uasId: '1581F5FKD232800D2TK8',
    });
  });

  it('reads a UTM-assigned UUID as UUID text and leaves an id of type none out', () => {
    const utm = bytes((v) => v.setUint8(1, 3 << 4));
    utm.set(fromHex('5b0c9a634f3e4c559b1e2f1a0c7d9e11'), 2);
    expect(decoded(utm)).toMatchObject({ idType: 'utm_uuid', uasId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11' });
    expect(decoded(bytes((v) => v.setUint8(1, 0x02)))).not.toHaveProperty('uasId');
  });

  it('reads a System message: operator position, area, EU category and class, 2019-based timestamp', () => {
    const system = bytes((v) => {
      v.setUint8(0, 0x42);
      v.setUint8(1, (1 << 2) | 1); // EU, live GNSS
      v.setInt32(2, -107160000, true);
      v.setInt32(6, 254650000, true);
      v.setUint16(10, 1, true);
      v.setUint8(12, 25); // 250 m
      v.setUint16(13, 2400, true); // 200 m
      v.setUint16(15, 0, true); // floor unknown
      v.setUint8(17, (1 << 4) | 2); // open, class 1
      v.setUint16(18, 4860, true); // 1430 m
      v.setUint32(20, 250_000_000, true);
    });
    expect(decoded(system)).toEqual({
      type: 'system',
      protocolVersion: 2,
      operatorLocationType: 'live_gnss',
      classificationType: 'eu',
      operatorPosition: { lat: -10.716, lon: 25.465 },
      areaCount: 1,
      areaRadiusM: 250,
      areaCeilingM: 200,
      euCategory: 'open',
      euClass: 'class_1',
      operatorAltitudeM: 1430,
      timestamp: new Date(Date.UTC(2019, 0, 1) + 250_000_000_000),
    });
  });

  it('reads an Operator ID and a Self-ID as text', () => {
    const operator = bytes((v) => v.setUint8(0, 0x52));
    operator.set(new TextEncoder().encode('FIN87astrdge12k8'), 2);
    expect(decoded(operator)).toEqual({
      type: 'operator_id',
      protocolVersion: 2,
      operatorIdType: 'operator_id',
      operatorId: 'FIN87astrdge12k8',
    });
    const self = bytes((v) => (v.setUint8(0, 0x32), v.setUint8(1, 1)));
    self.set(new TextEncoder().encode('Mine survey, pit 3'), 2);
    expect(decoded(self)).toEqual({
      type: 'self_id',
      protocolVersion: 2,
      descriptionType: 'emergency',
      description: 'Mine survey, pit 3',
    });
  });

  it('reads Authentication page 0 header fields and keeps the data as hex', () => {
    const auth = bytes((v) => {
      v.setUint8(0, 0x22);
      v.setUint8(1, (1 << 4) | 0); // UAS ID signature, page 0
      v.setUint8(2, 2);
      v.setUint8(3, 63);
      v.setUint32(4, 28_000_000, true);
      v.setUint8(8, 0xab);
      v.setUint8(24, 0xcd);
    });
    expect(decoded(auth)).toEqual({
      type: 'authentication',
      protocolVersion: 2,
      authType: 'uas_id_signature',
      page: 0,
      lastPageIndex: 2,
      length: 63,
      timestamp: new Date(Date.UTC(2019, 0, 1) + 28_000_000_000),
      dataHex: `ab${'00'.repeat(15)}cd`,
    });
    const page2 = bytes((v) => (v.setUint8(0, 0x22), v.setUint8(1, (1 << 4) | 2), v.setUint8(2, 0x11)));
    expect(decoded(page2)).toEqual({
      type: 'authentication',
      protocolVersion: 2,
      authType: 'uas_id_signature',
      page: 2,
      dataHex: `11${'00'.repeat(22)}`,
    });
  });

  it('opens a message pack into its messages', () => {
    const pack = new Uint8Array(3 + 2 * 25);
    pack.set([0xf2, 25, 2]);
    pack.set(KOLWEZI_LOCATION, 3);
    pack.set(encodeRemoteIdMessage({ type: 'operator_id', operatorId: 'ZMB-OP-0042' }), 28);
    const message = decoded(pack);
    expect(message).toMatchObject({
      type: 'message_pack',
      protocolVersion: 2,
      messages: [{ type: 'location' }, { type: 'operator_id', operatorId: 'ZMB-OP-0042' }],
    });
  });

  it.each([
    ['a short message', new Uint8Array(24).fill(0x12), 'Location message is 24 bytes (must be 25)'],
    [
      'an unknown message type',
      bytes((v) => v.setUint8(0, 0x72)),
      'message type 0x7 is not an ASTM F3411 message type',
    ],
    [
      'a latitude past 90°',
      bytes((v) => (v.setUint8(0, 0x12), v.setInt32(5, 910_000_000, true), v.setInt32(9, 1, true))),
      'Location latitude 91.0000000 is out of range (-90 to 90)',
    ],
    [
      'a longitude past 180°',
      bytes((v) => (v.setUint8(0, 0x12), v.setInt32(5, 1, true), v.setInt32(9, -1_800_000_001, true))),
      'Location longitude -180.0000001 is out of range (-180 to 180)',
    ],
    [
      'a timestamp past the hour',
      bytes((v) => (v.setUint8(0, 0x12), v.setUint16(21, 36001, true))),
      'Location timestamp 36001 tenths of a second after the hour is out of range (0 to 36000, or 65535 for unknown)',
    ],
    [
      'an operator latitude past 90°',
      bytes((v) => (v.setUint8(0, 0x42), v.setInt32(2, -900_000_001, true))),
      'System operator latitude -90.0000001 is out of range (-90 to 90)',
    ],
    [
      'a control byte in a serial number',
      (() => {
        const b = bytes((v) => v.setUint8(1, 0x10));
        b.set([0x41, 0x07], 2);
        return b;
      })(),
      'Basic ID UAS ID holds the byte 0x07 at position 1 (printable ASCII only)',
    ],
    [
      'authentication longer than its pages',
      bytes((v) => (v.setUint8(0, 0x22), v.setUint8(2, 1), v.setUint8(3, 41))),
      'Authentication length 41 bytes exceeds what 2 page(s) hold (40 bytes)',
    ],
    [
      'a pack of 24-byte messages',
      new Uint8Array([0xf2, 24, 1, ...new Uint8Array(24)]),
      'Message Pack message size is 24 (must be 25)',
    ],
    [
      'a pack of ten',
      new Uint8Array([0xf2, 25, 10, ...new Uint8Array(250)]),
      'Message Pack message count is 10 (must be 1 to 9)',
    ],
    [
      'a pack shorter than its count',
      new Uint8Array([0xf2, 25, 2, ...new Uint8Array(25)]),
      'Message Pack of 2 messages is 28 bytes (must be 53)',
    ],
    [
      'a pack inside a pack',
      new Uint8Array([0xf2, 25, 1, 0xf2, ...new Uint8Array(24)]),
      '.pack[0] a Message Pack must not contain another Message Pack',
    ],
    [
      'a bad message inside a pack',
      new Uint8Array([0xf2, 25, 2, ...new Uint8Array(25), 0x12, ...new Uint8Array(20), 0x41, 0x8d, 0, 0]),
      '.pack[1] Location timestamp 36161 tenths of a second after the hour is out of range (0 to 36000, or 65535 for unknown)',
    ],
    [
      'two Locations in one pack',
      new Uint8Array([0xf2, 25, 2, ...KOLWEZI_LOCATION, ...KOLWEZI_LOCATION]),
      'Message Pack holds 2 Location messages (at most 1)',
    ],
  ])('refuses %s, naming the field', (_name, data, reason) => {
    expect(failure(data)).toBe(reason);
  });

  it('converts hex both ways', () => {
    expect(toHex(fromHex('00ff7a'))).toBe('00ff7a');
  });
});
