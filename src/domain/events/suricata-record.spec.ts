import {
  DNS_RECORD,
  FLOW_RECORD,
  ICMP_ALERT_SEVERITY_4,
  IPV6_ALERT_MINUS_0500,
  LOGIN_ALERT,
  record,
  SCAN_ALERT_PLUS_0100,
  STATS_RECORD,
  STREAM_ALERT_SEVERITY_3,
  TROJAN_ALERT_UTC,
} from './fixtures/suricata-records';
import type { SiteEvent } from './site-event';
import type { SuricataContext } from './suricata-record';
import { severityFromSuricata, suricataToEvent } from './suricata-record';

const ctx: SuricataContext = { siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'ids-ot-1', network: 'ot' };

function eventOf(line: string | Record<string, unknown>, context = ctx): SiteEvent {
  const result = suricataToEvent(typeof line === 'string' ? record(line) : line, context);
  if (!result.ok || !('event' in result)) throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}

function reasonOf(input: unknown): string {
  const result = suricataToEvent(input, ctx);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('suricataToEvent: alerts become cyber events', () => {
  it('maps a Suricata 7 alert with a +0100 offset and microseconds', () => {
    expect(eventOf(SCAN_ALERT_PLUS_0100)).toEqual({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-east',
      eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      sensorId: 'ids-ot-1',
      kind: 'cyber',
      occurredAt: new Date('2026-11-29T02:12:44.120Z'),
      severity: 'medium',
      source: 'suricata',
      cyber: {
        category: 'scan',
        signature: 'ET SCAN NMAP -sS window 1024',
        signatureId: 2009582,
        srcIp: '10.20.4.17',
        srcPort: 51544,
        dstIp: '10.20.1.30',
        dstPort: 502,
        protocol: 'TCP',
        network: 'ot',
      },
    });
  });

  it('reads a +0000 timestamp to the millisecond', () => {
    expect(eventOf(TROJAN_ALERT_UTC).occurredAt.toISOString()).toBe('2026-11-29T02:13:03.904Z');
  });

  it('reads a negative offset across midnight', () => {
    expect(eventOf(IPV6_ALERT_MINUS_0500).occurredAt.toISOString()).toBe('2026-11-29T02:11:54.593Z');
  });

  it('takes occurredAt from timestamp, never from flow.start', () => {
    const line = record(SCAN_ALERT_PLUS_0100);
    line.flow.start = '2020-01-01T00:00:00.000000+0000';

    expect(eventOf(line).occurredAt.toISOString()).toBe('2026-11-29T02:12:44.120Z');
  });

  it('keeps IPv6 addresses, compressed', () => {
    expect(eventOf(IPV6_ALERT_MINUS_0500).cyber).toMatchObject({
      srcIp: 'fe80::d4aa:8d54:3230:720b',
      srcPort: 52484,
      dstIp: 'ff02::1:3',
      dstPort: 5355,
      protocol: 'UDP',
      category: 'intrusion',
    });
  });

  it('leaves ports out of an ICMP alert', () => {
    const { cyber } = eventOf(ICMP_ALERT_SEVERITY_4);

    expect(cyber).toEqual({
      category: 'anomaly',
      signature: 'OREGUARD LOCAL ICMP echo to PLC from maintenance VLAN',
      signatureId: 9100004,
      srcIp: '10.20.9.4',
      dstIp: '10.20.1.30',
      protocol: 'ICMP',
      network: 'ot',
    });
  });

  it.each([
    [TROJAN_ALERT_UTC, 1, 'high'],
    [SCAN_ALERT_PLUS_0100, 2, 'medium'],
    [STREAM_ALERT_SEVERITY_3, 3, 'low'],
    [ICMP_ALERT_SEVERITY_4, 4, 'low'],
  ])('maps Suricata severity %#: %i to %s (the scale runs the other way)', (line, suricataSeverity, severity) => {
    expect(record(line).alert.severity).toBe(suricataSeverity);
    expect(eventOf(line).severity).toBe(severity);
  });

  it('maps classtype descriptions to cyber categories', () => {
    expect(eventOf(TROJAN_ALERT_UTC).cyber?.category).toBe('malware');
    expect(eventOf(STREAM_ALERT_SEVERITY_3).cyber?.category).toBe('policy');
    expect(eventOf(LOGIN_ALERT).cyber?.category).toBe('auth_failure');
  });

  it('takes the network from the sensor registration', () => {
    expect(eventOf(TROJAN_ALERT_UTC, { ...ctx, network: 'it' }).cyber?.network).toBe('it');
  });

  it('accepts a protocol Suricata only knows by number', () => {
    const line = record(ICMP_ALERT_SEVERITY_4);
    line.proto = 254;

    expect(eventOf(line).cyber?.protocol).toBe('254');
  });
});

describe('suricataToEvent: derived event ids', () => {
  it('gives the same record the same eventId, however often it is sent', () => {
    expect(eventOf(SCAN_ALERT_PLUS_0100).eventId).toBe(eventOf(SCAN_ALERT_PLUS_0100).eventId);
  });

  it('is not changed by fields outside the id (a re-sent record with new flow counters)', () => {
    const resent = record(SCAN_ALERT_PLUS_0100);
    resent.flow.pkts_toserver = 99;

    expect(eventOf(resent).eventId).toBe(eventOf(SCAN_ALERT_PLUS_0100).eventId);
  });

  it('gives another transaction of the same flow another eventId', () => {
    const next = record(TROJAN_ALERT_UTC);
    next.tx_id = 4;

    expect(eventOf(next).eventId).not.toBe(eventOf(TROJAN_ALERT_UTC).eventId);
  });

  it.each([
    ['signature', (r: Record<string, any>) => (r.alert.signature_id = 2009583)],
    ['timestamp', (r: Record<string, any>) => (r.timestamp = '2026-11-29T03:12:44.120346+0100')],
    ['flow', (r: Record<string, any>) => (r.flow_id = 1821946581237422)],
  ])('gives another %s another eventId', (_name, change) => {
    const other = record(SCAN_ALERT_PLUS_0100);
    change(other);

    expect(eventOf(other).eventId).not.toBe(eventOf(SCAN_ALERT_PLUS_0100).eventId);
  });

  it('gives the same record from another sensor or gateway another eventId', () => {
    const base = eventOf(SCAN_ALERT_PLUS_0100).eventId;

    expect(eventOf(SCAN_ALERT_PLUS_0100, { ...ctx, sensorId: 'ids-ot-2' }).eventId).not.toBe(base);
    expect(eventOf(SCAN_ALERT_PLUS_0100, { ...ctx, gatewayId: 'gw-west' }).eventId).not.toBe(base);
  });

  it('derives an id for a record without flow_id or tx_id', () => {
    const line = record(SCAN_ALERT_PLUS_0100);
    delete line.flow_id;

    expect(eventOf(line).eventId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('suricataToEvent: other records', () => {
  it.each([
    ['flow', FLOW_RECORD],
    ['stats', STATS_RECORD],
    ['dns', DNS_RECORD],
  ])('ignores a %s record', (eventType, line) => {
    expect(suricataToEvent(record(line), ctx)).toEqual({ ok: true, ignored: eventType });
  });
});

describe('suricataToEvent: broken alerts are rejected, naming the field', () => {
  const broken = (change: (r: Record<string, any>) => void) => {
    const r = record(SCAN_ALERT_PLUS_0100);
    change(r);
    return r;
  };

  it.each<[string, unknown, string]>([
    ['no alert object', broken((r) => delete r.alert), 'alert: required'],
    ['no signature', broken((r) => delete r.alert.signature), 'alert.signature: required'],
    [
      'a string signature_id',
      broken((r) => (r.alert.signature_id = '2009582')),
      'alert.signature_id: must be a number (got "2009582")',
    ],
    ['severity 0', broken((r) => (r.alert.severity = 0)), 'alert.severity: must be at least 1 (got 0)'],
    [
      'a bad src_ip',
      broken((r) => (r.src_ip = '10.20.4.256')),
      'src_ip: "10.20.4.256" is not an IPv4 address or an IPv6 address',
    ],
    ['no dest_ip', broken((r) => delete r.dest_ip), 'dest_ip: required'],
    ['port 70000', broken((r) => (r.dest_port = 70000)), 'dest_port: must be at most 65535 (got 70000)'],
    [
      'a timestamp without zone',
      broken((r) => (r.timestamp = '2026-11-29T03:12:44.120345')),
      'timestamp: "2026-11-29T03:12:44.120345" is not an ISO 8601 time with a zone offset',
    ],
    [
      'an impossible timestamp',
      broken((r) => (r.timestamp = '2026-11-31T03:12:44.120345+0100')),
      'timestamp: "2026-11-31T03:12:44.120345+0100" is not a real date and time',
    ],
    ['an epoch timestamp', broken((r) => (r.timestamp = 1795923164)), 'timestamp: must be a string (got 1795923164)'],
    ['no event_type', broken((r) => delete r.event_type), 'event_type: required'],
    ['a numeric event_type', broken((r) => (r.event_type = 1)), 'event_type: must be a string (got 1)'],
    ['an array', [record(SCAN_ALERT_PLUS_0100)], 'payload: must be an object (got an array)'],
  ])('rejects an alert with %s', (_name, input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('does not mind fields it does not use, however odd', () => {
    const line = record(SCAN_ALERT_PLUS_0100);
    line.in_iface = 42;
    line.metadata = { flowbits: ['ET.http.binary'] };
    line.alert.metadata = 'not an object';

    expect(suricataToEvent(line, ctx)).toMatchObject({ ok: true, event: { kind: 'cyber' } });
  });
});

describe('severityFromSuricata', () => {
  it('turns 1 into high, 2 into medium and anything above into low', () => {
    expect([1, 2, 3, 4, 255].map(severityFromSuricata)).toEqual(['high', 'medium', 'low', 'low', 'low']);
  });
});
