import {
  DNS_RECORD,
  FLOW_RECORD,
  ICMP_ALERT_SEVERITY_4,
  IPV6_ALERT_MINUS_0500,
  LOGIN_ALERT,
  SCAN_ALERT_PLUS_0100,
  STATS_RECORD,
  STREAM_ALERT_SEVERITY_3,
  TROJAN_ALERT_UTC,
} from '../../src/domain/events/fixtures/suricata-records';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/** Suricata 7 EVE records, one per MQTT message, as an IDS sensor behind a gateway writes them. */
const SITE = 'kolwezi-1';
const GATEWAY = 'gw-ids';
const SENSOR = 'ids-ot-1';

/** What each alert must become (contract §1, Suricata records). */
const ALERTS: Array<[string, string, Record<string, unknown>]> = [
  [
    'severity 2, +0100 offset, microseconds',
    SCAN_ALERT_PLUS_0100,
    {
      occurredAt: '2026-11-29T02:12:44.120Z',
      severity: 'medium',
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
    },
  ],
  [
    'severity 1, +0000 offset, an HTTP transaction',
    TROJAN_ALERT_UTC,
    {
      occurredAt: '2026-11-29T02:13:03.904Z',
      severity: 'high',
      cyber: {
        category: 'malware',
        signature: 'ET MALWARE Cobalt Strike Beacon Observed',
        signatureId: 2031073,
        srcIp: '10.40.2.55',
        srcPort: 49822,
        dstIp: '185.225.19.7',
        dstPort: 80,
        protocol: 'TCP',
        network: 'ot',
      },
    },
  ],
  [
    'severity 1, IPv6 written out in full, -0500 offset across midnight',
    IPV6_ALERT_MINUS_0500,
    {
      occurredAt: '2026-11-29T02:11:54.593Z',
      severity: 'high',
      cyber: {
        category: 'intrusion',
        signature: 'ET EXPLOIT Possible CVE-2020-11899 Multicast out-of-bound read',
        signatureId: 2030387,
        srcIp: 'fe80::d4aa:8d54:3230:720b',
        srcPort: 52484,
        dstIp: 'ff02::1:3',
        dstPort: 5355,
        protocol: 'UDP',
        network: 'ot',
      },
    },
  ],
  [
    'severity 3, a stream decoder alert',
    STREAM_ALERT_SEVERITY_3,
    {
      occurredAt: '2026-11-29T02:14:02.000Z',
      severity: 'low',
      cyber: {
        category: 'policy',
        signature: 'SURICATA STREAM Packet with invalid ack',
        signatureId: 2210045,
        srcIp: '10.20.1.30',
        srcPort: 502,
        dstIp: '10.20.4.17',
        dstPort: 51544,
        protocol: 'TCP',
        network: 'ot',
      },
    },
  ],
  [
    'severity 4 from a local rule, ICMP without ports',
    ICMP_ALERT_SEVERITY_4,
    {
      occurredAt: '2026-11-29T02:14:30.250Z',
      severity: 'low',
      cyber: {
        category: 'anomaly',
        signature: 'OREGUARD LOCAL ICMP echo to PLC from maintenance VLAN',
        signatureId: 9100004,
        srcIp: '10.20.9.4',
        dstIp: '10.20.1.30',
        protocol: 'ICMP',
        network: 'ot',
      },
    },
  ],
  [
    'severity 2, a login classtype',
    LOGIN_ALERT,
    {
      occurredAt: '2026-11-29T02:14:51.771Z',
      severity: 'medium',
      cyber: {
        category: 'auth_failure',
        signature: 'ET SCAN Potential SSH Scan',
        signatureId: 2001219,
        srcIp: '10.40.7.21',
        srcPort: 40112,
        dstIp: '10.20.1.12',
        dstPort: 22,
        protocol: 'TCP',
        network: 'ot',
      },
    },
  ],
];

const NON_ALERTS = [FLOW_RECORD, STATS_RECORD, DNS_RECORD];

describe('Suricata EVE records over MQTT', () => {
  const og = oreGuardForFile('suricata', { untilIngesting: true });
  let gateway: TestGateway;
  let token: string;
  let events: any[] = [];

  const api = async (path: string) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };
  const metric = async (pattern: RegExp) => {
    const text = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    const match = pattern.exec(text);
    return match ? Number(match[1]) : 0;
  };
  const eventsOf = (signatureId: number) => events.filter((e) => e.cyber?.signatureId === signatureId);

  beforeAll(async () => {
    gateway = await og.gateway(SITE, GATEWAY);
    token = await login(og.oreguard.baseUrl);

    // Non-alert records in between the alerts, as a sensor's EVE stream mixes them;
    // the first alert again at the end (a gateway re-sending after a timeout).
    const stream = [
      ALERTS[0][1],
      FLOW_RECORD,
      ALERTS[1][1],
      STATS_RECORD,
      ALERTS[2][1],
      DNS_RECORD,
      ...ALERTS.slice(3).map((a) => a[1]),
      ALERTS[0][1],
    ];
    for (const line of stream) await gateway.publish(line, `suricata/${SENSOR}`);

    // Every record reached OreGuard (the probe's duplicates are canonical, so not counted here)…
    await waitFor(
      async () =>
        (await metric(/^oreguard_mqtt_messages_received_total\{route="suricata"\} (\d+)$/m)) >= ALERTS.length + 1 &&
        (await metric(/^oreguard_mqtt_messages_received_total\{route="ignored"\} (\d+)$/m)) >= NON_ALERTS.length,
      { what: 'every record received' },
    );
    // …and the alerts were stored and folded.
    events = await waitFor(
      async () => {
        const body = await api(`/events?siteId=${SITE}&limit=100`);
        return body.items.length >= ALERTS.length && body.items.every((e: any) => e.incidentIds.length > 0)
          ? body.items
          : undefined;
      },
      { what: `${ALERTS.length} alerts stored and folded` },
    );
    // Anything the non-alert records (or the re-send) might wrongly have produced has had time to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    events = (await api(`/events?siteId=${SITE}&limit=100`)).items;
  }, 60_000);

  it.each(ALERTS)('turns an alert (%s) into a cyber event', (_name, line, expected) => {
    const record = JSON.parse(line) as { alert: { signature_id: number } };
    const [event] = eventsOf(record.alert.signature_id);

    expect(event).toMatchObject({
      ...expected,
      kind: 'cyber',
      source: 'suricata',
      siteId: SITE,
      gatewayId: GATEWAY,
      sensorId: SENSOR,
      // Hours between the sensor's timestamp and arrival: flagged late, kept at its event time.
      late: true,
    });
    expect(event.cyber).toEqual(expected.cyber);
    expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(event.incidentIds).toHaveLength(1);
  });

  it('stores one event per alert and nothing for flow, stats and dns records', async () => {
    expect(events).toHaveLength(ALERTS.length);
    expect(events.every((e) => e.source === 'suricata' && e.kind === 'cyber')).toBe(true);
    const rows = await og.ctx.db.query('SELECT event_id FROM events WHERE site_id = $1', [SITE]);
    expect(rows).toHaveLength(ALERTS.length);
    expect(await metric(/^oreguard_events_accepted_total\{source="suricata"\} (\d+)$/m)).toBe(ALERTS.length);
    expect(await metric(/^oreguard_mqtt_messages_received_total\{route="ignored"\} (\d+)$/m)).toBe(NON_ALERTS.length);
  });

  it('does not reject the records that are not alerts', async () => {
    expect(await og.ctx.db.query('SELECT reason FROM rejected_events')).toEqual([]);
    expect((await api('/rejected-events')).items).toEqual([]);
  });

  it('stores the same alert record published twice as one event', async () => {
    expect(eventsOf(2009582)).toHaveLength(1);
    const rows = await og.ctx.db.query('SELECT id FROM events WHERE site_id = $1 AND event_id = $2', [
      SITE,
      eventsOf(2009582)[0].eventId,
    ]);
    expect(rows).toHaveLength(1);
    const links = await og.ctx.db.query('SELECT incident_id FROM incident_events WHERE event_id = $1', [rows[0].id]);
    expect(links).toHaveLength(1);
  });

  it('derives the event id from the sensor too: the same record from another sensor is another event', async () => {
    await gateway.publish(SCAN_ALERT_PLUS_0100, 'suricata/ids-ot-2');
    const both = (await waitFor(
      async () => {
        const rows = await og.ctx.db.query<{ event_id: string; sensor_id: string }>(
          `SELECT event_id, sensor_id FROM events WHERE site_id = $1 AND details->>'signatureId' = '2009582' ORDER BY sensor_id`,
          [SITE],
        );
        return rows.length === 2 ? rows : undefined;
      },
      { what: 'the alert from the second sensor' },
    ))!;
    expect(both.map((r) => r.sensor_id)).toEqual([SENSOR, 'ids-ot-2']);
    expect(both[0].event_id).not.toBe(both[1].event_id);
    expect(both[0].event_id).toBe(eventsOf(2009582)[0].eventId);
  });
});
