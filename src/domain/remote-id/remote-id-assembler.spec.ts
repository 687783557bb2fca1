import { assembleRemoteId, distanceM, type AssemblyOptions, type TransmitterState } from './remote-id-assembler';
import { encodeRemoteIdHex, type SingleMessageInput } from './remote-id-encoder';
import { readRemoteIdReport, type RemoteIdReport } from './remote-id-report';

const ROUTE = { siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'rid-rx-1' };
const OPTIONS: AssemblyOptions = { memoryTtlMs: 10 * 60_000, maxSpeedMps: 150 };
const PIT = { lat: -10.7148, lon: 25.4663 };

/** A payload heard at `heardAt` (UTC, within the hour of the fixes' tenths). */
function report(heardAt: string, messages: SingleMessageInput[], transmitter = 'aa:bb:cc:dd:ee:01'): RemoteIdReport {
  const result = readRemoteIdReport(ROUTE, {
    receivedAt: heardAt,
    transmitter,
    transport: 'wifi',
    messages: messages.map(encodeRemoteIdHex),
  });
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

/** A fix at mm:ss.t after 02:00. */
function fixAt(clock: string, position = PIT, extra: Partial<SingleMessageInput> = {}): SingleMessageInput {
  const [mm, ss] = clock.split(':').map(Number) as [number, number];
  return {
    type: 'location',
    status: 'airborne',
    position,
    geodeticAltitudeM: 1450,
    speedMps: 8,
    directionDeg: 45,
    tenthsAfterHour: Math.round((mm * 60 + ss) * 10),
    ...extra,
  } as SingleMessageInput;
}

const BASIC: SingleMessageInput = {
  type: 'basic_id',
  idType: 'serial_number',
  uaType: 'helicopter_or_multirotor',
  uasId: '1581F5FKD232800D2TK8',
};
const SYSTEM: SingleMessageInput = {
  type: 'system',
  operatorLocationType: 'live_gnss',
  operatorPosition: { lat: -10.716, lon: 25.465 },
  operatorAltitudeM: 1430,
};
const OPERATOR: SingleMessageInput = { type: 'operator_id', operatorId: 'ZMB-OP-42' };

/** `metres` north of PIT. */
const north = (metres: number) => ({ lat: PIT.lat + metres / 111_195, lon: PIT.lon });

describe('assembleRemoteId', () => {
  it('turns a fix into a drone event carrying the Basic ID, System and Operator ID of the same payload, wherever they are in it', () => {
    const { drafts } = assembleRemoteId(
      report('2026-11-29T02:12:45Z', [fixAt('12:44.3'), BASIC, SYSTEM, OPERATOR]),
      undefined,
      OPTIONS,
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.event).toEqual({
      ...ROUTE,
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'drone',
      occurredAt: new Date('2026-11-29T02:12:44.300Z'),
      source: 'remoteid',
      drone: {
        detection: 'remote_id',
        uasId: '1581F5FKD232800D2TK8',
        position: { ...PIT, altM: 1450 },
        headingDeg: 45,
        speedMps: 8,
        operatorPosition: { lat: -10.716, lon: 25.465 },
        operatorId: 'ZMB-OP-42',
        trackId: 'aa:bb:cc:dd:ee:01',
      },
    });
    expect(drafts[0]!.remoteId).toEqual({
      transmitter: 'aa:bb:cc:dd:ee:01',
      transport: 'wifi',
      status: 'airborne',
      uaType: 'helicopter_or_multirotor',
    });
  });

  it('carries identity heard from the same transmitter in an earlier payload', () => {
    const first = assembleRemoteId(report('2026-11-29T02:12:40Z', [BASIC, SYSTEM, OPERATOR]), undefined, OPTIONS);
    expect(first.drafts).toEqual([]);
    const { drafts } = assembleRemoteId(report('2026-11-29T02:12:45Z', [fixAt('12:44.3')]), first.state, OPTIONS);
    expect(drafts[0]!.event.drone).toMatchObject({
      uasId: '1581F5FKD232800D2TK8',
      operatorId: 'ZMB-OP-42',
      operatorPosition: { lat: -10.716, lon: 25.465 },
    });
  });

  it('forgets a transmitter not heard for longer than the time to live', () => {
    const first = assembleRemoteId(
      report('2026-11-29T02:00:00Z', [BASIC, OPERATOR, fixAt('00:00')]),
      undefined,
      OPTIONS,
    );
    const { drafts, state } = assembleRemoteId(
      report('2026-11-29T02:10:01Z', [fixAt('10:01', north(5000))]),
      first.state,
      OPTIONS,
    );
    expect(drafts[0]!.event.drone).not.toHaveProperty('uasId');
    expect(drafts[0]!.event.drone).not.toHaveProperty('operatorId');
    // Nor is the old fix used to judge the new one (5 km in 10 minutes would be fine anyway, but nothing is compared).
    expect(drafts[0]!.remoteId).not.toHaveProperty('possibleSpoof');
    expect(state).toEqual({
      heardAt: '2026-11-29T02:10:01.000Z',
      lastFix: { lat: expect.closeTo(north(5000).lat, 6), lon: PIT.lon, at: '2026-11-29T02:10:01.000Z' },
    });
  });

  it('leaves unknown values out of the event: no speed, heading or altitude numbers, and falls back to pressure altitude', () => {
    const unknowns = fixAt('12:44.3', PIT, {
      speedMps: undefined,
      directionDeg: undefined,
      geodeticAltitudeM: undefined,
    });
    const { drafts } = assembleRemoteId(report('2026-11-29T02:12:45Z', [unknowns]), undefined, OPTIONS);
    expect(drafts[0]!.event.drone).toEqual({ detection: 'remote_id', position: PIT, trackId: 'aa:bb:cc:dd:ee:01' });
    const pressure = fixAt('12:44.3', PIT, { geodeticAltitudeM: undefined, pressureAltitudeM: 1440.5 });
    expect(
      assembleRemoteId(report('2026-11-29T02:12:45Z', [pressure]), undefined, OPTIONS).drafts[0]!.event.drone!.position,
    ).toEqual({ ...PIT, altM: 1440.5 });
  });

  it('makes one event per fix of a payload, and none of a payload of identity only', () => {
    const a = report('2026-11-29T02:12:45Z', [
      { type: 'message_pack', messages: [BASIC, fixAt('12:44.0')] } as never,
      fixAt('12:44.5', north(3)),
    ]);
    expect(assembleRemoteId(a, undefined, OPTIONS).drafts.map((d) => d.event.occurredAt.toISOString())).toEqual([
      '2026-11-29T02:12:44.000Z',
      '2026-11-29T02:12:44.500Z',
    ]);
  });

  it('prefers the serial number when a drone broadcasts a registration too', () => {
    const registration: SingleMessageInput = {
      type: 'basic_id',
      idType: 'caa_registration',
      uaType: 'helicopter_or_multirotor',
      uasId: 'ZM-UAS-1207',
    };
    const { drafts } = assembleRemoteId(
      report('2026-11-29T02:12:45Z', [registration, BASIC, fixAt('12:44.3')]),
      undefined,
      OPTIONS,
    );
    expect(drafts[0]!.event.drone!.uasId).toBe('1581F5FKD232800D2TK8');
  });

  it('does not let a late payload overwrite identity heard after it, but lets it fill a gap', () => {
    const later = assembleRemoteId(report('2026-11-29T02:12:50Z', [OPERATOR]), undefined, OPTIONS);
    const late = assembleRemoteId(
      report('2026-11-29T02:12:45Z', [{ type: 'operator_id', operatorId: 'OLD-OP' }, BASIC, fixAt('12:44.3')]),
      later.state,
      OPTIONS,
    );
    expect(late.drafts[0]!.event.drone).toMatchObject({ operatorId: 'ZMB-OP-42', uasId: '1581F5FKD232800D2TK8' });
    expect(late.state.heardAt).toBe('2026-11-29T02:12:50.000Z');
  });

  describe('possible spoofing', () => {
    const track = (steps: Array<[string, { lat: number; lon: number }]>, memory?: TransmitterState) => {
      let state = memory;
      return steps.map(([clock, position]) => {
        const [mm, ss] = clock.split(':');
        const heardAt = `2026-11-29T02:${mm}:${String(Math.floor(Number(ss))).padStart(2, '0')}.900Z`;
        const result = assembleRemoteId(report(heardAt, [fixAt(clock, position)]), state, OPTIONS);
        state = result.state;
        return result.drafts[0]!.remoteId;
      });
    };

    it('accepts a drone flying at 20 m/s', () => {
      const marks = track([
        ['12:40', PIT],
        ['12:41', north(20)],
        ['12:42', north(40)],
      ]);
      expect(marks.every((m) => m.possibleSpoof === undefined && m.trackSuspectSince === undefined)).toBe(true);
    });

    it('marks a fix 2 km from the previous one a second later, and the track from then on', () => {
      const [, jump, after] = track([
        ['12:40', PIT],
        ['12:41', north(2000)],
        ['12:42', north(2010)],
      ]);
      expect(jump!.possibleSpoof).toEqual({
        impliedSpeedMps: expect.closeTo(2000, -1),
        limitMps: 150,
        previousFix: { ...PIT, at: '2026-11-29T02:12:40.000Z' },
      });
      expect(jump!.trackSuspectSince).toBe('2026-11-29T02:12:41.000Z');
      expect(after!.possibleSpoof).toBeUndefined();
      expect(after!.trackSuspectSince).toBe('2026-11-29T02:12:41.000Z');
    });

    it('judges a fix that arrives out of order against the newest fix without moving it back', () => {
      const memory = assembleRemoteId(
        report('2026-11-29T02:12:50.5Z', [fixAt('12:50', north(100))]),
        undefined,
        OPTIONS,
      ).state;
      const [late] = track([['12:45', north(0)]], memory);
      expect(late!.possibleSpoof).toBeUndefined(); // 100 m in 5 s
    });

    it('allows for the stated accuracy of both fixes', () => {
      const vague = fixAt('12:41', north(200), { horizontalAccuracyM: 185.2 });
      const first = assembleRemoteId(
        report('2026-11-29T02:12:40.5Z', [fixAt('12:40', PIT, { horizontalAccuracyM: 30 })]),
        undefined,
        OPTIONS,
      );
      const { drafts } = assembleRemoteId(report('2026-11-29T02:12:41.5Z', [vague]), first.state, OPTIONS);
      expect(drafts[0]!.remoteId.possibleSpoof).toBeUndefined();
    });

    it('does not mark the same message heard twice', () => {
      const marks = track([
        ['12:40', PIT],
        ['12:40', PIT],
      ]);
      expect(marks[1]!.possibleSpoof).toBeUndefined();
    });
  });

  it('measures distance on the sphere', () => {
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(111_195, -1);
    expect(distanceM(PIT, north(1000))).toBeCloseTo(1000, 0);
  });
});
