import type { SiteEvent } from '../events/site-event';
import type { SharedObject } from './shared-object';
import { isPrivateAddress } from './private-address';
import { scoId, sharedId } from './stix-ids';
import type { StixObject } from './stix.schema';
import { tlpMarking, tlpMarkingId, type Tlp } from './tlp';
import { UAS_EXTENSION_ID, uasExtensionDefinition } from './uas-extension';

/** The incident fields sharing reads: never its title, zones or site (they name the site's inside). */
export interface SharingIncident {
  id: string;
  kinds: readonly string[];
  ruleIds: readonly string[];
  /**
   * A correlation rule's own incident, joining events that folding already put in incidents of
   * their own: it shares only its Sigma rules, so an address is not sighted twice.
   */
  rulesOnly?: boolean;
}

/** A Sigma rule of the loaded set, as its file holds it. */
export interface SharableRule {
  id: string;
  title: string;
  text: string;
}

export interface SharingContext {
  /** The organisation as partners know it (its identity object names it). */
  organisation: string;
  /** The rules the incident's ruleIds may name. */
  rules: ReadonlyMap<string, SharableRule>;
}

/**
 * What each kind of object is marked with. Indicators and observables say what to look for
 * (community: GREEN); observed data and sightings say that this company was hit, and when
 * (AMBER: a lead releases them).
 */
export const SHARING_MARKINGS: Record<'identity' | 'indicator' | 'observable' | 'observed-data' | 'sighting', Tlp> = {
  identity: 'green',
  indicator: 'green',
  observable: 'green',
  'observed-data': 'amber',
  sighting: 'amber',
};

/**
 * Suricata reserves signature ids 1000000–1999999 for local rules: their messages may name the
 * site's assets, so only published rule sets' signatures are shared.
 */
export function isLocalSignature(sid: number): boolean {
  return sid >= 1_000_000 && sid <= 1_999_999;
}

/** What a shared Suricata indicator says of its pattern. */
export const SURICATA_REFERENCE =
  'A signature of a published Suricata rule set fired here. Its pattern names the signature (msg, sid, protocol) ' +
  'and carries none of its detection options: load the rule itself from the rule set, by its sid.';

/**
 * The Suricata rule a signature is shared as. An EVE alert carries the signature's id and message
 * (and gid, rev), never the rule's text, and OreGuard keeps no Suricata rule set (the rules live
 * on the sensors), so the rule cannot be shared as written: this one is built from what is known,
 * a valid rule naming the signature by `msg` and `sid` under the protocol it fired on. Addresses
 * and ports stay `any` (the alert's are the site's own). `"`, `;` and `\` would need escaping in
 * `msg`; they are replaced by spaces.
 */
export function suricataReferenceRule(sid: number, signature: string, protocol?: string): string {
  const msg = signature.replace(/["\\;]/g, ' ');
  const proto = /^(tcp|udp)$/i.test(protocol ?? '')
    ? protocol!.toLowerCase()
    : /icmp/i.test(protocol ?? '')
      ? 'icmp'
      : 'ip';
  return `alert ${proto} any any -> any any (msg:"${msg}"; sid:${sid};)`;
}

/**
 * A Sigma rule is shared only when it is about cyber events and names no zone: drone and theft
 * rules speak of the site's zones and blind spots, which never leave it.
 */
export function isSharableRule(rule: SharableRule): boolean {
  return /kind:\s*cyber\b/.test(rule.text) && !/zone|blind/i.test(rule.text);
}

const iso = (d: Date) => d.toISOString();
const earliest = (ds: readonly Date[]) => new Date(Math.min(...ds.map((d) => d.getTime())));
const latest = (ds: readonly Date[]) => new Date(Math.max(...ds.map((d) => d.getTime())));
const quote = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

export function organisationIdentity(organisation: string): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: sharedId('identity', 'organisation', organisation),
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: organisation,
    identity_class: 'organization',
    sectors: ['mining'],
    object_marking_refs: [tlpMarkingId(SHARING_MARKINGS.identity)],
  };
}

/** The objects every collection holds: the TLP 2.0 markings, the organisation, the `uas` extension. */
export function baseObjects(organisation: string): SharedObject[] {
  const identity = organisationIdentity(organisation);
  return [
    ...(['clear', 'green', 'amber', 'amber+strict', 'red'] as const).map((tlp) => ({
      object: tlpMarking(tlp) as StixObject,
      tlp: 'clear' as Tlp,
    })),
    { object: identity, tlp: SHARING_MARKINGS.identity },
    { object: uasExtensionDefinition(identity.id), tlp: 'clear' },
  ];
}

/** The grid a shared drone position is rounded to: 0.1° (about 11 km north–south), never finer. */
export const LOCATION_GRID_DEG = 0.1;
/** The precision (metres) a grid cell's centre is given: half its diagonal (under 8 km) rounded up to the 10 km floor every partner has. */
export const LOCATION_GRID_PRECISION_M = 10_000;

/**
 * Where drones were seen, as the centre of a coarse grid cell: the site's geometry, its sensors
 * and the drone's exact track stay in. Only the first position counts (one location per sighting).
 */
function coarseArea(events: readonly SiteEvent[]): StixObject | undefined {
  const position = events.find((e) => e.drone)?.drone?.position;
  if (!position) return undefined;
  const cell = (v: number) => Math.round((Math.floor(v / LOCATION_GRID_DEG) + 0.5) * LOCATION_GRID_DEG * 1000) / 1000;
  const latitude = cell(position.lat);
  const longitude = cell(position.lon);
  return {
    type: 'location',
    spec_version: '2.1',
    id: sharedId('location', 'grid', String(LOCATION_GRID_DEG), String(latitude), String(longitude)),
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    latitude,
    longitude,
    precision: LOCATION_GRID_PRECISION_M,
  };
}

/** One thing seen in the incident (an attacker address, a signature, a drone) and the events that saw it. */
interface Seen {
  key: string;
  indicator: { name: string; description?: string; pattern: string; patternType: string; types: string[] };
  observable?: StixObject;
  events: SiteEvent[];
}

function seenInIncident(events: readonly SiteEvent[]): Seen[] {
  const seen = new Map<string, Seen>();
  const add = (key: string, make: () => Omit<Seen, 'events' | 'key'>, event: SiteEvent) => {
    const entry = seen.get(key) ?? { key, ...make(), events: [] };
    entry.events.push(event);
    seen.set(key, entry);
  };
  for (const event of events) {
    if (event.cyber) {
      const ip = event.cyber.srcIp;
      // Only public addresses: a private one is the site's own network.
      if (!isPrivateAddress(ip)) {
        const type = ip.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
        add(
          `address|${ip}`,
          () => ({
            indicator: {
              name: `Attacker address ${ip}`,
              pattern: `[${type}:value = '${quote(ip)}']`,
              patternType: 'stix',
              types: ['malicious-activity'],
            },
            observable: { type, spec_version: '2.1', id: scoId(type, { value: ip }), value: ip },
          }),
          event,
        );
      }
      const sid = event.cyber.signatureId;
      if (event.source === 'suricata' && sid !== undefined && !isLocalSignature(sid)) {
        add(
          `suricata|${sid}`,
          () => ({
            indicator: {
              name: `Suricata signature ${sid}`,
              description: SURICATA_REFERENCE,
              pattern: suricataReferenceRule(sid, event.cyber!.signature, event.cyber!.protocol),
              patternType: 'suricata',
              types: ['malicious-activity'],
            },
          }),
          event,
        );
      }
    }
    const uid = event.drone?.uasId;
    if (uid) {
      add(
        `uas|${uid}`,
        () => ({
          indicator: {
            name: `Drone ${uid}`,
            pattern: `[uas:uid = '${quote(uid)}']`,
            patternType: 'stix',
            types: ['anomalous-activity'],
          },
          observable: {
            type: 'uas',
            spec_version: '2.1',
            id: scoId('uas', { uid }),
            uid,
            ...(event.drone?.model ? { model: event.drone.model } : {}),
            extensions: { [UAS_EXTENSION_ID]: { extension_type: 'new-sco' } },
          },
        }),
        event,
      );
    }
  }
  return [...seen.values()];
}

/**
 * The STIX objects one incident shares: for each public attacker address, published Suricata
 * signature and Remote ID serial it saw, an indicator, its observable, observed data and a sighting
 * (with counts and first/last seen), plus an indicator per sharable Sigma rule that raised it.
 * Theft incidents share nothing (weights, stocks and zones never leave). Deterministic: the same
 * incident and events give the same objects; `modified` moves with the events seen.
 */
export function incidentToStix(
  incident: SharingIncident,
  events: readonly SiteEvent[],
  ctx: SharingContext,
): SharedObject[] {
  const identity = organisationIdentity(ctx.organisation).id;
  const out: SharedObject[] = [];
  const marked = (tlp: Tlp, object: Record<string, unknown>): SharedObject => ({
    object: { ...object, object_marking_refs: [tlpMarkingId(tlp)] } as unknown as StixObject,
    tlp,
  });
  const shared = events.filter((e) => e.kind !== 'theft');

  for (const seen of incident.rulesOnly ? [] : seenInIncident(shared)) {
    const times = seen.events.map((e) => e.occurredAt);
    const first = iso(earliest(times));
    const last = iso(latest(times));
    const sdo = { spec_version: '2.1', created_by_ref: identity, created: first, modified: last };
    const indicatorId = sharedId('indicator', incident.id, seen.key);
    out.push(
      marked(SHARING_MARKINGS.indicator, {
        type: 'indicator',
        id: indicatorId,
        ...sdo,
        name: seen.indicator.name,
        ...(seen.indicator.description ? { description: seen.indicator.description } : {}),
        indicator_types: seen.indicator.types,
        pattern: seen.indicator.pattern,
        pattern_type: seen.indicator.patternType,
        valid_from: first,
      }),
    );
    const area = coarseArea(seen.events);
    let location: string | undefined;
    if (area) {
      location = area.id as string;
      out.push(marked(SHARING_MARKINGS.sighting, area));
    }
    let observedDataId: string | undefined;
    if (seen.observable) {
      out.push(marked(SHARING_MARKINGS.observable, seen.observable));
      observedDataId = sharedId('observed-data', incident.id, seen.key);
      out.push(
        marked(SHARING_MARKINGS['observed-data'], {
          type: 'observed-data',
          id: observedDataId,
          ...sdo,
          first_observed: first,
          last_observed: last,
          number_observed: seen.events.length,
          object_refs: [seen.observable.id],
        }),
      );
    }
    out.push(
      marked(SHARING_MARKINGS.sighting, {
        type: 'sighting',
        id: sharedId('sighting', incident.id, seen.key),
        ...sdo,
        sighting_of_ref: indicatorId,
        count: seen.events.length,
        first_seen: first,
        last_seen: last,
        ...(observedDataId ? { observed_data_refs: [observedDataId] } : {}),
        where_sighted_refs: location ? [identity, location] : [identity],
      }),
    );
  }

  if (shared.length) {
    const times = shared.map((e) => e.occurredAt);
    for (const ruleId of incident.ruleIds) {
      const rule = ctx.rules.get(ruleId);
      if (!rule || !isSharableRule(rule)) continue;
      out.push(
        marked(SHARING_MARKINGS.indicator, {
          type: 'indicator',
          id: sharedId('indicator', incident.id, 'sigma', rule.id),
          spec_version: '2.1',
          created_by_ref: identity,
          created: iso(earliest(times)),
          modified: iso(earliest(times)),
          name: rule.title,
          indicator_types: ['malicious-activity'],
          pattern: rule.text,
          pattern_type: 'sigma',
          valid_from: iso(earliest(times)),
        }),
      );
    }
  }
  // One object per id: drones of one incident seen in the same grid cell share its location.
  return [...new Map(out.map((o) => [o.object.id, o])).values()];
}
