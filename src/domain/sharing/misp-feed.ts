import { createHash } from 'node:crypto';
import type { SharedObject } from './shared-object';
import { sharedId } from './stix-ids';
import { tlpRank, type Tlp } from './tlp';

/** A MISP attribute (MISP core format): what to look for, and whether IDS should use it. */
export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  /** 5: as the event says. */
  distribution: '5';
  timestamp: string;
  comment: string;
}

export interface MispEvent {
  Event: {
    uuid: string;
    info: string;
    date: string;
    /** 1 high … 4 undefined. */
    threat_level_id: '2';
    /** 2: completed. */
    analysis: '2';
    /** 1: this community. */
    distribution: '1';
    published: true;
    timestamp: string;
    Orgc: { name: string; uuid: string };
    Tag: { name: string }[];
    Attribute: MispAttribute[];
  };
}

const seconds = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));
const uuidOf = (stixId: string) => stixId.slice(stixId.indexOf('--') + 2);

/** The MISP attribute an indicator becomes, by its pattern type; undefined for none. */
function attributeOf(
  indicator: Record<string, unknown>,
): Pick<MispAttribute, 'type' | 'category' | 'value' | 'comment'> | undefined {
  const pattern = String(indicator.pattern);
  switch (indicator.pattern_type) {
    case 'stix': {
      const address = /^\[ipv[46]-addr:value = '([^']+)'\]$/.exec(pattern);
      if (address)
        return { type: 'ip-src', category: 'Network activity', value: address[1]!, comment: 'Attacker address' };
      const uas = /^\[uas:uid = '([^']+)'\]$/.exec(pattern);
      if (uas)
        return { type: 'text', category: 'Other', value: uas[1]!, comment: 'Drone Remote ID serial (ANSI/CTA-2063-A)' };
      return undefined;
    }
    case 'suricata':
      // MISP carries Snort and Suricata rules in its `snort` type.
      return { type: 'snort', category: 'Network activity', value: pattern, comment: 'Suricata signature' };
    case 'sigma':
      return { type: 'sigma', category: 'Payload installation', value: pattern, comment: 'Sigma rule' };
    default:
      return undefined;
  }
}

/**
 * One incident's shared objects (already projected for the partner) as a MISP event: an
 * attribute per indicator, the event's TLP the highest of its objects' (as a `tlp:` tag). The
 * event uuid is derived from the incident's first indicator set, never the incident id itself.
 * Undefined when nothing in it becomes an attribute.
 */
export function mispEvent(
  key: string,
  objects: readonly SharedObject[],
  organisation: { name: string; uuid: string },
): MispEvent | undefined {
  const indicators = objects.filter((o) => o.object.type === 'indicator');
  const attributes: MispAttribute[] = [];
  for (const { object } of indicators) {
    const attribute = attributeOf(object);
    if (!attribute) continue;
    attributes.push({
      uuid: uuidOf(object.id),
      ...attribute,
      to_ids: true,
      distribution: '5',
      timestamp: seconds(String(object.modified)),
    });
  }
  if (!attributes.length) return undefined;
  const tlp = objects.reduce<Tlp>((top, o) => (tlpRank(o.tlp) > tlpRank(top) ? o.tlp : top), 'clear');
  const first = indicators.map((o) => String(o.object.valid_from)).sort()[0]!;
  const last = indicators
    .map((o) => String(o.object.modified))
    .sort()
    .at(-1)!;
  const kinds = [...new Set(attributes.map((a) => (a.type === 'text' ? 'drone' : 'attacker')))].sort();
  return {
    Event: {
      uuid: uuidOf(sharedId('misp-event', key)),
      info: `OreGuard: ${kinds.join(' and ')} indicators seen ${first.slice(0, 10)}`,
      date: first.slice(0, 10),
      threat_level_id: '2',
      analysis: '2',
      distribution: '1',
      published: true,
      timestamp: seconds(last),
      Orgc: organisation,
      Tag: [{ name: `tlp:${tlp}` }],
      Attribute: attributes,
    },
  };
}

/** manifest.json of a MISP feed: each event's header by uuid. */
export function mispManifest(events: readonly MispEvent[]) {
  return Object.fromEntries(
    events.map(({ Event: e }) => [
      e.uuid,
      {
        info: e.info,
        date: e.date,
        analysis: e.analysis,
        threat_level_id: e.threat_level_id,
        timestamp: e.timestamp,
        Orgc: e.Orgc,
        Tag: e.Tag,
      },
    ]),
  );
}

/** hashes.csv of a MISP feed: the MD5 of each attribute value, and its event's uuid. */
export function mispHashes(events: readonly MispEvent[]): string {
  return events
    .flatMap(({ Event: e }) =>
      e.Attribute.map((a) => `${createHash('md5').update(a.value, 'utf8').digest('hex')},${e.uuid}\n`),
    )
    .join('');
}
