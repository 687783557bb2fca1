import { CanonicalEventSchema, SEVERITIES, SeveritySchema, severityRank } from './canonical-event.schema';
import { aCyberPayload, aDronePayload, aTheftPayload } from './fixtures/canonical-events';

describe('CanonicalEventSchema', () => {
  it('parses each kind to its UTC instant and lowercase id', () => {
    const drone = CanonicalEventSchema.parse({ ...aDronePayload(), eventId: '5B0C9A63-4F3E-4C55-9B1E-2F1A0C7D9E11' });
    const cyber = CanonicalEventSchema.parse(aCyberPayload());
    const theft = CanonicalEventSchema.parse(aTheftPayload());

    expect(drone).toMatchObject({
      kind: 'drone',
      eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
      occurredAt: new Date('2026-11-29T02:12:44.120Z'),
    });
    expect(cyber).toMatchObject({ kind: 'cyber', cyber: { network: 'ot' } });
    expect(theft).toMatchObject({ kind: 'theft', zone: 'north-fence' });
  });

  it('accepts a UUID of any version, including non-v4 ones gateways generate', () => {
    for (const eventId of [
      '0190f5a8-3c1e-7b2a-9d4e-5f6a7b8c9d0e',
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
      'c232ab00-9414-11ec-b3c8-9f6bdeced846',
    ]) {
      expect(CanonicalEventSchema.safeParse({ ...aDronePayload(), eventId }).success).toBe(true);
    }
  });

  it('does not add keys for absent optional fields', () => {
    const minimal = aDronePayload();
    delete minimal.severity;
    delete minimal.zone;
    delete minimal.seq;

    expect(Object.keys(CanonicalEventSchema.parse(minimal))).toEqual([
      'eventId',
      'sensorId',
      'occurredAt',
      'kind',
      'drone',
    ]);
  });

  it('accepts boundary values: lat ±90, lon ±180, heading 0 and 360, confidence 0 and 1, ports 0 and 65535', () => {
    const drone = aDronePayload();
    drone.drone = { ...drone.drone, position: { lat: 90, lon: -180 }, headingDeg: 360, confidence: 0 };
    const cyber = aCyberPayload();
    cyber.cyber = { ...cyber.cyber, srcPort: 0, dstPort: 65535 };

    expect(CanonicalEventSchema.safeParse(drone).success).toBe(true);
    expect(CanonicalEventSchema.safeParse(cyber).success).toBe(true);
  });

  it('accepts a seq up to the largest safe integer and no further', () => {
    expect(CanonicalEventSchema.safeParse({ ...aDronePayload(), seq: Number.MAX_SAFE_INTEGER }).success).toBe(true);
    expect(CanonicalEventSchema.safeParse({ ...aDronePayload(), seq: 2 ** 60 }).success).toBe(false);
  });

  it('reports a kind object that does not match kind as an unrecognized key', () => {
    const payload = { ...aDronePayload(), cyber: aCyberPayload().cyber };

    const issues = CanonicalEventSchema.safeParse(payload).error?.issues;

    expect(issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['cyber'], path: [] })]);
  });
});

describe('severities', () => {
  it('are ordered from info to critical', () => {
    expect([...SEVERITIES].sort((a, b) => severityRank(a) - severityRank(b))).toEqual([
      'info',
      'low',
      'medium',
      'high',
      'critical',
    ]);
    expect(severityRank('critical')).toBeGreaterThan(severityRank('high'));
    expect(severityRank('info')).toBe(0);
  });

  it('refuses other words', () => {
    expect(SeveritySchema.safeParse('HIGH').success).toBe(false);
  });
});
