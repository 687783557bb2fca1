import { parseRules } from 'src/domain/correlation';
import { siteEventFromRow } from './site-event-row';

describe('siteEventFromRow', () => {
  const row = {
    id: '42',
    site_id: 'kolwezi-1',
    gateway_id: 'gw-1',
    event_id: '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11',
    sensor_id: 'ids-ot-1',
    kind: 'cyber' as const,
    severity: null,
    zone: null,
    seq: '7',
    occurred_at: new Date('2026-11-29T10:00:00Z'),
    source: 'canonical',
    details: { category: 'auth_failure', srcIp: '10.20.0.99' },
  };

  it('puts the stored details back under the kind, keyed by the stored id, leaving absent fields out', () => {
    const event = siteEventFromRow(row);
    expect(event).toEqual({
      key: '42',
      siteId: 'kolwezi-1',
      gatewayId: 'gw-1',
      eventId: row.event_id,
      sensorId: 'ids-ot-1',
      kind: 'cyber',
      occurredAt: row.occurred_at,
      seq: 7,
      source: 'canonical',
      cyber: row.details,
    });
    const rules = parseRules('title: x\nid: x\ndetection:\n  sel:\n    cyber.srcIp: 10.20.0.99\n  condition: sel\n');
    expect(rules.detections[0].matches(event)).toBe(true);
  });
});
