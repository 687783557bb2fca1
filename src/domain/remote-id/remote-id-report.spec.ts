import { encodeRemoteIdHex } from './remote-id-encoder';
import { readRemoteIdReport, type RemoteIdReport } from './remote-id-report';

const ROUTE = { siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'rid-rx-1' };
const FIX = {
  type: 'location',
  status: 'airborne',
  position: { lat: -10.7148, lon: 25.4663 },
  geodeticAltitudeM: 1450,
  tenthsAfterHour: 7643,
} as const;
const BASIC = {
  type: 'basic_id',
  idType: 'serial_number',
  uaType: 'helicopter_or_multirotor',
  uasId: '1581F5FKD232800D2TK8',
} as const;

function payload(messages: string[], extra: Record<string, unknown> = {}) {
  return {
    receivedAt: '2026-11-29T03:12:45.000+01:00',
    transmitter: '60:60:1F:AA:BB:CC',
    rssi: -71,
    transport: 'ble',
    messages,
    ...extra,
  };
}

function read(body: unknown): RemoteIdReport {
  const result = readRemoteIdReport(ROUTE, body);
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

function reason(body: unknown): string {
  const result = readRemoteIdReport(ROUTE, body);
  if (result.ok) throw new Error('expected a rejection');
  return result.reason;
}

describe('readRemoteIdReport', () => {
  it('decodes each message, opens packs, and makes each Location with a position a fix at its resolved time', () => {
    const report = read(
      payload([
        encodeRemoteIdHex(BASIC),
        encodeRemoteIdHex({ type: 'message_pack', messages: [FIX, { type: 'operator_id', operatorId: 'ZMB-OP-42' }] }),
      ]),
    );
    expect(report).toMatchObject({
      ...ROUTE,
      transmitter: '60:60:1f:aa:bb:cc',
      transport: 'ble',
      rssi: -71,
      receivedAt: new Date('2026-11-29T02:12:45.000Z'),
    });
    expect(report.sightings.map((s) => [s.path, s.message.type])).toEqual([
      ['messages[0]', 'basic_id'],
      ['messages[1].pack[0]', 'location'],
      ['messages[1].pack[1]', 'operator_id'],
    ]);
    expect(report.fixes).toHaveLength(1);
    expect(report.fixes[0]).toMatchObject({
      path: 'messages[1].pack[0]',
      hex: encodeRemoteIdHex(FIX),
      occurredAt: new Date('2026-11-29T02:12:44.300Z'),
    });
  });

  it('derives the same event id for the same message heard again, and another for another transmitter or time', () => {
    const once = read(payload([encodeRemoteIdHex(FIX)])).fixes[0]!.eventId;
    expect(read(payload([encodeRemoteIdHex(FIX)])).fixes[0]!.eventId).toBe(once);
    expect(read(payload([encodeRemoteIdHex({ type: 'message_pack', messages: [FIX] })])).fixes[0]!.eventId).toBe(once);
    expect(read(payload([encodeRemoteIdHex(FIX)], { transmitter: '60:60:1f:aa:bb:cd' })).fixes[0]!.eventId).not.toBe(
      once,
    );
    expect(
      read(payload([encodeRemoteIdHex(FIX)], { receivedAt: '2026-11-29T05:12:45.000+01:00' })).fixes[0]!.eventId,
    ).not.toBe(once);
    expect(once).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('makes no fix of a Location whose position is unknown (0,0)', () => {
    const report = read(payload([encodeRemoteIdHex({ ...FIX, position: undefined }), encodeRemoteIdHex(BASIC)]));
    expect(report.sightings).toHaveLength(2);
    expect(report.fixes).toEqual([]);
  });

  it('takes the receiver time as the fix time when the Location time is unknown', () => {
    const report = read(payload([encodeRemoteIdHex({ ...FIX, tenthsAfterHour: undefined })]));
    expect(report.fixes[0]!.occurredAt).toEqual(new Date('2026-11-29T02:12:45.000Z'));
  });

  it.each([
    [
      'an undecodable message, by index and field',
      payload([encodeRemoteIdHex(BASIC), `12${'00'.repeat(4)}${'ffffff7f'}${'00'.repeat(16)}`]),
      'messages[1]: Location latitude 214.7483647 is out of range (-90 to 90)',
    ],
    [
      'a bad message inside a pack',
      payload([`f21902${encodeRemoteIdHex(BASIC)}72${'00'.repeat(24)}`]),
      'messages[0].pack[1]: message type 0x7 is not an ASTM F3411 message type',
    ],
    ['text that is not hex', payload(['zz']), 'messages.0: "zz" must match ^(?:[0-9a-fA-F]{2})+$'],
    ['a message of the wrong length', payload(['1200']), 'messages[0]: Location message is 2 bytes (must be 25)'],
    ['no messages', payload([]), 'messages: must have at least 1 items'],
    [
      'an unknown transport',
      payload([encodeRemoteIdHex(FIX)], { transport: 'lora' }),
      'transport: must be one of ble, wifi (got "lora")',
    ],
    ['an unknown field', payload([encodeRemoteIdHex(FIX)], { channel: 6 }), 'channel: unknown field "channel"'],
    [
      'a receivedAt without a zone',
      payload([encodeRemoteIdHex(FIX)], { receivedAt: '2026-11-29T03:12:45' }),
      /^receivedAt: /,
    ],
  ])('rejects %s', (_name, body, expected) => {
    if (typeof expected === 'string') expect(reason(body)).toBe(expected);
    else expect(reason(body)).toMatch(expected);
  });
});
