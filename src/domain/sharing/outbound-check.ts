import { isIpAddress, isPrivateAddress } from './private-address';
import { stixProblem, type StixObject } from './stix.schema';
import { TLP2_EXTENSION_ID } from './tlp';

/**
 * Property names that would carry what never leaves a site: its geometry and zones, sensors and
 * their coverage, blind zones, posture, weights, stocks and assays, evidence media and the
 * people of the site or the drone's operator. Matched against every key at any depth.
 */
export const FORBIDDEN_FIELD =
  /(geometry|perimeter|polygon|zone|sensor|coverage|blind|posture|weight|quantity|stock|assay|kg\b|tonne|operator|username|user_?id|email|phone|evidence|gateway|site_?id|asset)/i;

/** Strings that look like one of OreGuard's internal references (an API path, a rule or site file). */
const INTERNAL_TEXT = /\/api\/v1\/|\bincident[-_ ]?id\b|\bevent[-_ ]?id\b/i;

export interface OutboundContext {
  /**
   * OreGuard's internal identifiers around the objects: incident and event ids, site, gateway,
   * sensor and zone ids, user names. None may appear in any shared string.
   */
  internalIds: ReadonlySet<string>;
  /** Ids the receiver already holds (objects of earlier pages), which references may point at. */
  alsoKnown?: (id: string) => boolean;
}

const IP_CANDIDATE = /(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9a-f]{0,4}:){2,7}[0-9a-f.]{0,15}/gi;

/** Every (path, string) of a value, and every (path, key) of its objects. */
function* walk(value: unknown, path: string): Generator<{ path: string; key?: string; text?: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${path}[${i}]`);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield { path: `${path}.${k}`, key: k };
      yield* walk(v, `${path}.${k}`);
    }
  }
}

const uuidOf = (stixId: string) => stixId.slice(stixId.indexOf('--') + 2);

/**
 * The outbound check every bundle passes before it leaves: each object valid STIX 2.1 (and TLP
 * 2.0), every reference resolving to an object of the bundle or one the receiver holds, no
 * private or internal address, no internal id, no forbidden field. Returns the problems, each
 * naming the object and path; an empty list lets the bundle go.
 */
export function checkOutbound(objects: readonly StixObject[], ctx: OutboundContext): string[] {
  const problems: string[] = [];
  const ids = new Set(objects.map((o) => o.id));
  // The OASIS TLP 2.0 extension is published by OASIS, not in the bundle: every consumer knows it.
  const known = (id: string) => ids.has(id) || id === TLP2_EXTENSION_ID || (ctx.alsoKnown?.(id) ?? false);
  const internal = [...ctx.internalIds].filter((s) => s.length >= 3).map((s) => s.toLowerCase());
  // Whole tokens only: site `pit-1` is not found inside `pit-12`, nor an id inside a longer word.
  const token = (s: string) => new RegExp(`(^|[^a-z0-9_-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9_-])`);
  const internalTokens = internal.map((s) => ({ s, re: token(s) }));

  for (const object of objects) {
    const invalid = stixProblem(object);
    if (invalid) problems.push(`invalid STIX: ${invalid}`);
    if (internal.includes(uuidOf(object.id).toLowerCase())) problems.push(`${object.id}: id: is an internal id`);
    for (const { path, key, text } of walk(object, object.id)) {
      if (key !== undefined) {
        // Extension ids are keys too; they are references, checked like the others.
        if (key.startsWith('extension-definition--')) {
          if (!known(key)) problems.push(`${path}: dangling reference to ${key}`);
        } else if (FORBIDDEN_FIELD.test(key)) problems.push(`${path}: forbidden field`);
        continue;
      }
      if (text === undefined) continue;
      if (/_refs?(\[\d+\])?$/.test(path) && !known(text)) problems.push(`${path}: dangling reference to ${text}`);
      for (const candidate of text.match(IP_CANDIDATE) ?? []) {
        const address = candidate.replace(/^[:.]+|[:.]+$/g, '');
        if (isIpAddress(address) && isPrivateAddress(address)) problems.push(`${path}: private address ${address}`);
      }
      const lower = text.toLowerCase();
      const leaked = internalTokens.find(({ re }) => re.test(lower));
      if (leaked) problems.push(`${path}: internal id ${leaked.s}`);
      if (INTERNAL_TEXT.test(text)) problems.push(`${path}: internal reference`);
    }
  }
  return problems;
}
