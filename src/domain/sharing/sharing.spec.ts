import type { SiteEvent } from '../events/site-event';
import { t } from '../correlation/fixtures/correlation-events';
import { checkOutbound } from './outbound-check';
import {
  baseObjects,
  incidentToStix,
  isSharableRule,
  SURICATA_REFERENCE,
  suricataReferenceRule,
  type SharingContext,
  type SharableRule,
} from './incident-stix';
import { projectForPartner, PartnerProjectionSchema } from './partner-projection';
import { isPrivateAddress } from './private-address';
import type { SharedObject } from './shared-object';
import { scoId } from './stix-ids';
import { stixProblem, suricataRuleProblem, type StixObject } from './stix.schema';
import { tlpMarking, tlpMarkingId } from './tlp';

const INCIDENT = { id: '5f0c1d7e-6a57-4c44-9d3b-2b1e0c3a9f10', kinds: ['cyber'], ruleIds: ['brute-force'] };
const DRONE_INCIDENT = { id: '8d2e4c1a-1111-4c44-9d3b-2b1e0c3a9f10', kinds: ['drone'], ruleIds: ['drone-loitering'] };

let n = 0;
function event(over: Partial<SiteEvent>): SiteEvent {
  n += 1;
  return {
    siteId: 'kolwezi-1',
    gatewayId: 'gw-1',
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    sensorId: 'ids-core',
    kind: 'cyber',
    occurredAt: t('02:00'),
    zone: 'plant-ot',
    source: 'canonical',
    ...over,
  };
}
const authFailure = (srcIp: string, at: string, over: Partial<SiteEvent> = {}) =>
  event({
    occurredAt: t(at),
    cyber: {
      category: 'auth_failure',
      signature: 'SSH login failed',
      srcIp,
      dstIp: '10.20.0.5',
      dstPort: 22,
      network: 'ot',
      asset: 'crusher-plc-3',
    },
    ...over,
  });
const droneSeen = (uasId: string, at: string) =>
  event({
    kind: 'drone',
    sensorId: 'rf-north',
    zone: 'haul-road',
    occurredAt: t(at),
    drone: {
      detection: 'remote_id',
      uasId,
      position: { lat: -10.7161, lon: 25.4723, altM: 80 },
      operatorId: 'FIN87astrdge12k8',
      operatorPosition: { lat: -10.72, lon: 25.47 },
    },
  });

const BRUTE_FORCE: SharableRule = {
  id: 'brute-force',
  title: 'Brute force from one source',
  text: 'title: Brute force from one source\nid: brute-force\ncorrelation:\n  type: event_count\n  rules: [auth_failure]\n---\nname: auth_failure\ndetection:\n  failure:\n    kind: cyber\n    cyber.category: auth_failure\n  condition: failure\n',
};
const ctx: SharingContext = { organisation: 'Kolwezi Copper SA', rules: new Map([[BRUTE_FORCE.id, BRUTE_FORCE]]) };
const internalIds = new Set([
  INCIDENT.id,
  DRONE_INCIDENT.id,
  'kolwezi-1',
  'gw-1',
  'ids-core',
  'rf-north',
  'plant-ot',
  'haul-road',
  'crusher-plc-3',
]);

const cyberEvents = [
  authFailure('198.51.99.7', '02:00'),
  authFailure('198.51.99.7', '02:01'),
  authFailure('10.20.0.9', '02:01:30'),
  authFailure('2a03:2880::1', '02:02'),
];
const everything = (): SharedObject[] => [
  ...baseObjects(ctx.organisation),
  ...incidentToStix(INCIDENT, cyberEvents, ctx),
  ...incidentToStix(
    DRONE_INCIDENT,
    [droneSeen('1581F5FJD228Y00C0045', '03:10'), droneSeen('1581F5FJD228Y00C0045', '03:14')],
    ctx,
  ),
];
const ofType = (objects: readonly SharedObject[], type: string) =>
  objects.filter((o) => o.object.type === type).map((o) => o.object);
const wide = PartnerProjectionSchema.parse({
  types: [
    'identity',
    'indicator',
    'observed-data',
    'sighting',
    'location',
    'extension-definition',
    'ipv4-addr',
    'ipv6-addr',
    'uas',
  ],
  maxTlp: 'amber',
});

describe('STIX 2.1 objects made from incidents', () => {
  it('turns an attacker address into a STIX indicator, its observable, observed data and a sighting with counts and times', () => {
    const objects = incidentToStix(INCIDENT, cyberEvents, ctx);
    const indicator = ofType(objects, 'indicator').find((o) => o.pattern === "[ipv4-addr:value = '198.51.99.7']")!;
    expect(indicator).toMatchObject({
      pattern_type: 'stix',
      valid_from: '2026-11-29T02:00:00.000Z',
      object_marking_refs: [tlpMarkingId('green')],
    });
    const sighting = ofType(objects, 'sighting').find((o) => o.sighting_of_ref === indicator.id)!;
    expect(sighting).toMatchObject({
      count: 2,
      first_seen: '2026-11-29T02:00:00.000Z',
      last_seen: '2026-11-29T02:01:00.000Z',
    });
    expect(sighting.object_marking_refs).toEqual([tlpMarkingId('amber')]);
    const observed = ofType(objects, 'observed-data').find(
      (o) => o.id === (sighting.observed_data_refs as string[])[0],
    )!;
    expect(observed).toMatchObject({ number_observed: 2, object_refs: [scoId('ipv4-addr', { value: '198.51.99.7' })] });
    expect(ofType(objects, 'ipv6-addr').map((o) => o.value)).toEqual(['2a03:2880::1']);
  });

  it('never makes an indicator or observable of a private source address', () => {
    const text = JSON.stringify(incidentToStix(INCIDENT, cyberEvents, ctx));
    expect(text).not.toContain('10.20.0.9');
    expect(text).not.toContain('10.20.0.5');
  });

  it('gives the standard deterministic id to observables, so a partner correlates the same address', () => {
    // As computed independently: Python's uuid.uuid5(UUID('00abedb4-…-fed23315a9b7'), '{"value":"198.51.100.3"}').
    expect(scoId('ipv4-addr', { value: '198.51.100.3' })).toBe('ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4');
  });

  it('gives the same objects on a re-export, and a newer modified when more events are seen', () => {
    const byId = (objects: SharedObject[]) => [...objects].sort((a, b) => a.object.id.localeCompare(b.object.id));
    expect(byId(incidentToStix(INCIDENT, cyberEvents, ctx))).toEqual(
      byId(incidentToStix(INCIDENT, [...cyberEvents].reverse(), ctx)),
    );
    const later = incidentToStix(INCIDENT, [...cyberEvents, authFailure('198.51.99.7', '02:30')], ctx);
    const before = ofType(incidentToStix(INCIDENT, cyberEvents, ctx), 'sighting')[0]!;
    const after = ofType(later, 'sighting').find((o) => o.id === before.id)!;
    expect([after.count, (after.modified as string) > (before.modified as string)]).toEqual([3, true]);
  });

  it('shares Suricata signatures of published rule sets in their own pattern type, never local rules', () => {
    const alert = (sid: number, at: string) =>
      authFailure('198.51.99.8', at, {
        source: 'suricata',
        cyber: {
          category: 'scan',
          signature: 'ET SCAN Potential SSH Scan',
          signatureId: sid,
          srcIp: '198.51.99.8',
          dstIp: '10.20.0.5',
          network: 'ot',
        },
      });
    const objects = incidentToStix(INCIDENT, [alert(2001219, '02:00'), alert(1000042, '02:01')], ctx);
    const suricata = ofType(objects, 'indicator').filter((o) => o.pattern_type === 'suricata');
    expect(suricata.map((o) => [o.pattern, o.description])).toEqual([
      ['alert ip any any -> any any (msg:"ET SCAN Potential SSH Scan"; sid:2001219;)', SURICATA_REFERENCE],
    ]);
    for (const { object } of objects) expect(stixProblem(object)).toBeUndefined();
  });

  it('builds a valid Suricata rule from what an alert carries: msg made safe, the protocol it fired on', () => {
    const rule = suricataReferenceRule(2019284, 'ET EXPLOIT "Modbus"; write \\ coil', 'TCP');
    expect(rule).toBe('alert tcp any any -> any any (msg:"ET EXPLOIT  Modbus   write   coil"; sid:2019284;)');
    expect(suricataRuleProblem(rule)).toBeUndefined();
    expect(suricataReferenceRule(2100366, 'GPL ICMP_INFO PING', 'IPv6-ICMP')).toMatch(/^alert icmp /);
    expect(suricataReferenceRule(2200000, 'SURICATA decoder event', '47')).toMatch(/^alert ip /);
  });

  it.each([
    ['no header', '(msg:"x"; sid:1;)', 'not a Suricata rule'],
    ['no sid', 'alert ip any any -> any any (msg:"x";)', 'sid'],
    ['no msg', 'alert ip any any -> any any (sid:1;)', 'msg'],
    ['an unescaped quote in msg', 'alert ip any any -> any any (msg:"a"b"; sid:1;)', 'rule options'],
    ['an option without its ;', 'alert ip any any -> any any (msg:"x"; sid:1)', 'rule options'],
  ])('refuses a suricata pattern with %s', (_what, pattern, problem) => {
    const indicator = ofType(incidentToStix(INCIDENT, cyberEvents, ctx), 'indicator')[0]!;
    expect(stixProblem({ ...indicator, pattern_type: 'suricata', pattern })).toContain(problem);
  });

  it('shares a Sigma rule about cyber events in the sigma pattern type, never one naming zones', () => {
    const sigma = ofType(incidentToStix(INCIDENT, cyberEvents, ctx), 'indicator').filter(
      (o) => o.pattern_type === 'sigma',
    );
    expect(sigma.map((o) => o.name)).toEqual(['Brute force from one source']);
    expect(
      isSharableRule({
        id: 'breach-in-blind-zone',
        title: 'x',
        text: 'detection:\n  s:\n    kind: theft\n  zone-blind: true',
      }),
    ).toBe(false);
    expect(
      isSharableRule({ id: 'ot-then-theft', title: 'x', text: 'kind: cyber\n---\nkind: theft\ngroup-by: [zone]' }),
    ).toBe(false);
  });

  it('shares a drone by its Remote ID serial as a uas observable, never its operator, and a coarse location only', () => {
    const objects = incidentToStix(
      DRONE_INCIDENT,
      [droneSeen('1581F5FJD228Y00C0045', '03:10'), droneSeen('1581F5FJD228Y00C0045', '03:14')],
      ctx,
    );
    const [uas] = ofType(objects, 'uas');
    expect(uas).toMatchObject({ uid: '1581F5FJD228Y00C0045', id: scoId('uas', { uid: '1581F5FJD228Y00C0045' }) });
    expect(ofType(objects, 'indicator')[0]).toMatchObject({ pattern: "[uas:uid = '1581F5FJD228Y00C0045']" });
    const [location] = ofType(objects, 'location');
    expect(location).toMatchObject({ latitude: -10.75, longitude: 25.45, precision: 10000 });
    const text = JSON.stringify(objects);
    expect(text).not.toContain('FIN87astrdge12k8');
    expect(text).not.toContain('-10.7161');
  });

  it('shares only the Sigma rule of a rule incident, whose events are shared by their own incidents', () => {
    const objects = incidentToStix({ ...INCIDENT, rulesOnly: true }, cyberEvents, ctx);
    expect(objects.map((o) => [o.object.type, o.object.pattern_type])).toEqual([['indicator', 'sigma']]);
  });

  it('shares nothing of a theft incident', () => {
    const fenceCut = event({
      kind: 'theft',
      zone: 'north-fence',
      theft: { category: 'material_loss', quantityKg: 1200 },
    });
    expect(incidentToStix({ id: INCIDENT.id, kinds: ['theft'], ruleIds: [] }, [fenceCut], ctx)).toEqual([]);
  });

  it('emits only objects valid against STIX 2.1 and TLP 2.0, and the OASIS TLP 2.0 markings as published', () => {
    for (const { object } of everything()) expect([object.id, stixProblem(object)]).toEqual([object.id, undefined]);
    expect(tlpMarking('amber+strict')).toMatchObject({
      id: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
      name: 'TLP:AMBER+STRICT',
    });
  });
});

describe('the STIX 2.1 schemas catch what the specification forbids', () => {
  const indicator = (): StixObject => ({
    ...(ofType(incidentToStix(INCIDENT, cyberEvents, ctx), 'indicator')[0] as StixObject),
  });
  it.each([
    ['a missing pattern', { pattern: undefined }, 'pattern'],
    ['a timestamp without Z', { valid_from: '2026-11-29T02:00:00.000+01:00' }, 'valid_from'],
    ['modified before created', { modified: '2026-01-01T00:00:00.000Z' }, 'modified'],
    ['an id of another type', { id: 'sighting--5f0c1d7e-6a57-4c44-9d3b-2b1e0c3a9f10' }, 'id'],
    ['a custom property', { x_site: 'kolwezi-1' }, '(object)'],
  ])('refuses an indicator with %s', (_what, change, path) => {
    expect(stixProblem({ ...indicator(), ...change })).toContain(`: ${path}:`);
  });
  it('refuses a TLP marking whose id and level disagree', () => {
    const marking = tlpMarking('green');
    expect(stixProblem({ ...marking, id: tlpMarkingId('clear') })).toBeDefined();
  });
});

describe('private addresses', () => {
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.10.10',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
  ])('%s is private', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '198.51.99.7', '2a03:2880::1', '::ffff:8.8.8.8'])('%s is public', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('per-partner projection', () => {
  it('gives a GREEN partner indicators and observables but no sighting or observed data, and no ref to them', () => {
    const green = PartnerProjectionSchema.parse({ types: wide.types, maxTlp: 'green' });
    const objects = projectForPartner(everything(), green);
    expect(ofType(objects, 'sighting')).toEqual([]);
    expect(ofType(objects, 'observed-data')).toEqual([]);
    expect(ofType(objects, 'indicator').length).toBeGreaterThan(0);
    expect(
      checkOutbound(
        objects.map((o) => o.object),
        { internalIds },
      ),
    ).toEqual([]);
  });

  it('withholds a location finer than the partner’s floor, and drops the sighting’s ref to it', () => {
    const objects = projectForPartner(everything(), { ...wide, locationFloorM: 50_000 });
    expect(ofType(objects, 'location')).toEqual([]);
    for (const sighting of ofType(objects, 'sighting'))
      expect(JSON.stringify(sighting.where_sighted_refs)).not.toContain('location--');
    expect(ofType(projectForPartner(everything(), wide), 'location')).toHaveLength(1);
  });

  it('withholds a sighting whose indicator type the partner may not receive, and narrows properties', () => {
    const noIndicators = projectForPartner(everything(), {
      ...wide,
      types: wide.types.filter((t) => t !== 'indicator'),
    });
    expect(ofType(noIndicators, 'sighting')).toEqual([]);
    const narrow = projectForPartner(everything(), { ...wide, properties: { indicator: ['valid_until'] } });
    for (const indicator of ofType(narrow, 'indicator')) expect(indicator.name).toBeUndefined();
  });

  it('withholds a uas observable from a partner that does not receive its extension definition', () => {
    const objects = projectForPartner(everything(), {
      ...wide,
      types: wide.types.filter((t) => t !== 'extension-definition'),
    });
    expect(ofType(objects, 'uas')).toEqual([]);
    expect(
      checkOutbound(
        objects.map((o) => o.object),
        { internalIds },
      ),
    ).toEqual([]);
  });

  it('passes the full export through the outbound check', () => {
    const objects = projectForPartner(everything(), wide).map((o) => o.object);
    expect(checkOutbound(objects, { internalIds })).toEqual([]);
  });
});

describe('the outbound check', () => {
  const good = () => projectForPartner(everything(), wide).map((o) => o.object);
  const sightingOf = (objects: StixObject[]) => objects.find((o) => o.type === 'sighting')!;

  it('fails a bundle with a dangling reference', () => {
    const objects = good().filter((o) => o.type !== 'observed-data');
    expect(checkOutbound(objects, { internalIds }).join('\n')).toMatch(/observed_data_refs\[0\]: dangling reference/);
  });
  it('fails a private address anywhere, even inside a pattern', () => {
    const objects = good();
    objects.push({
      ...(objects.find((o) => o.type === 'indicator') as StixObject),
      id: 'indicator--11111111-1111-4111-8111-111111111111',
      pattern: "[ipv4-addr:value = '192.168.4.20']",
    });
    expect(checkOutbound(objects, { internalIds }).join('\n')).toMatch(/private address 192\.168\.4\.20/);
  });
  it('fails an internal id, as an object id or in any text', () => {
    const objects = good();
    const sighting = sightingOf(objects);
    sighting.id = `sighting--${INCIDENT.id}`;
    const indicator = objects.find((o) => o.type === 'indicator')!;
    indicator.description = 'seen by ids-core in plant-ot';
    const problems = checkOutbound(objects, { internalIds }).join('\n');
    expect(problems).toMatch(/id: is an internal id/);
    expect(problems).toMatch(/description: internal id ids-core/);
  });
  it.each([
    ['site_geometry'],
    ['sensor_positions'],
    ['blind_zones'],
    ['posture'],
    ['weight_kg'],
    ['stockpile'],
    ['operator_id'],
  ])('fails a forbidden field %s', (field) => {
    const objects = good();
    objects.push({ ...tlpMarking('green'), id: tlpMarkingId('green'), [field]: 'x' } as unknown as StixObject);
    expect(checkOutbound(objects, { internalIds }).join('\n')).toContain(`.${field}: forbidden field`);
  });
});
