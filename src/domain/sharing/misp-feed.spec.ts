import { createHash } from 'node:crypto';
import type { SiteEvent } from '../events/site-event';
import { t } from '../correlation/fixtures/correlation-events';
import { incidentToStix } from './incident-stix';
import { mispEvent, mispHashes, mispManifest } from './misp-feed';

const ORG = { name: 'Kolwezi Copper SA', uuid: '4948e861-e87e-5eec-a5cf-281f610ebfcb' };
const scan = (srcIp: string, at: string): SiteEvent => ({
  siteId: 'kolwezi-1',
  gatewayId: 'gw-1',
  eventId: '00000000-0000-4000-8000-000000000001',
  sensorId: 'ids-core',
  kind: 'cyber',
  occurredAt: t(at),
  source: 'suricata',
  cyber: {
    category: 'scan',
    signature: 'ET SCAN Potential SSH Scan',
    signatureId: 2001219,
    srcIp,
    dstIp: '10.20.0.5',
    network: 'ot',
  },
});
const objects = incidentToStix(
  { id: '5f0c1d7e-6a57-4c44-9d3b-2b1e0c3a9f10', kinds: ['cyber'], ruleIds: [] },
  [scan('198.51.99.7', '02:00')],
  {
    organisation: ORG.name,
    rules: new Map(),
  },
);

describe('the MISP feed', () => {
  it('makes one event per incident with an attribute per indicator, tagged with its TLP', () => {
    const event = mispEvent('incident-key', objects, ORG)!;
    expect(event.Event).toMatchObject({ date: '2026-11-29', published: true, Tag: [{ name: 'tlp:amber' }] });
    expect(event.Event.Attribute.map((a) => [a.type, a.value])).toEqual([
      ['ip-src', '198.51.99.7'],
      ['snort', 'alert ip any any -> any any (msg:"ET SCAN Potential SSH Scan"; sid:2001219;)'],
    ]);
    expect(JSON.stringify(event)).not.toContain('10.20.0.5');
  });

  it('tags a GREEN-only event tlp:green, and makes no event without an attribute', () => {
    const green = objects.filter((o) => o.tlp === 'green');
    expect(mispEvent('k', green, ORG)!.Event.Tag).toEqual([{ name: 'tlp:green' }]);
    expect(
      mispEvent(
        'k',
        objects.filter((o) => o.object.type !== 'indicator'),
        ORG,
      ),
    ).toBeUndefined();
  });

  it('lists every event in manifest.json and every attribute value hash in hashes.csv', () => {
    const event = mispEvent('k', objects, ORG)!;
    expect(Object.keys(mispManifest([event]))).toEqual([event.Event.uuid]);
    const md5 = createHash('md5').update('198.51.99.7').digest('hex');
    expect(mispHashes([event]).split('\n')).toContain(`${md5},${event.Event.uuid}`);
  });
});
