import { z } from 'zod';
import type { SharedObject } from './shared-object';
import { REQUIRED_PROPERTIES, StixTypeSchema, type StixObject, type StixType } from './stix.schema';
import { TLP2_EXTENSION_ID, TlpSchema, tlpWithin } from './tlp';

/** The coarsest a location may be for any partner: 10 km. */
export const MIN_LOCATION_FLOOR_M = 10_000;

/**
 * What one partner may receive: an allow-list, so a type or property added later reaches no one
 * until it is granted. `properties` narrows a type to the named optional properties (its required
 * ones always go); a type without an entry goes whole. `maxTlp` is the highest TLP 2.0 marking;
 * `locationFloorM` the finest location precision (metres) it may be given.
 */
export const PartnerProjectionSchema = z.strictObject({
  types: z.array(StixTypeSchema).min(1),
  properties: z.partialRecord(StixTypeSchema, z.array(z.string().regex(/^[a-z0-9_]+$/))).default({}),
  maxTlp: TlpSchema.default('green'),
  locationFloorM: z.number().int().min(0).default(MIN_LOCATION_FLOOR_M),
});
export type PartnerProjection = z.infer<typeof PartnerProjectionSchema>;

/** Types every partner gets whatever its list says: the markings the others point at. */
const ALWAYS: readonly StixType[] = ['marking-definition'];

function allowedObject(shared: SharedObject, projection: PartnerProjection): boolean {
  const { object, tlp } = shared;
  if (!ALWAYS.includes(object.type) && !projection.types.includes(object.type)) return false;
  if (!tlpWithin(tlp, projection.maxTlp)) return false;
  if (object.type === 'location') {
    // A location finer than the partner's floor is withheld, as is one that does not say how fine it is.
    const precision = object.precision;
    if (typeof precision !== 'number' || precision < Math.max(projection.locationFloorM, 0)) return false;
  }
  return true;
}

function narrowProperties(object: StixObject, projection: PartnerProjection): StixObject {
  const allowed = projection.properties[object.type];
  if (!allowed) return object;
  const keep = new Set([...REQUIRED_PROPERTIES[object.type], ...allowed, 'object_marking_refs']);
  return Object.fromEntries(Object.entries(object).filter(([key]) => keep.has(key))) as StixObject;
}

/** Refs no object can do without: if their target is withheld, so is the object. */
const REQUIRED_REFS: Partial<Record<StixType, readonly string[]>> = {
  sighting: ['sighting_of_ref'],
  'observed-data': ['object_refs'],
  'extension-definition': ['created_by_ref'],
};

/**
 * Removes references to withheld objects: an optional `*_ref` goes, a `*_refs` list keeps the
 * rest (and goes when empty); an object whose required reference is withheld is withheld too.
 * Returns undefined for such an object. `visible(id)` says whether the partner sees that id.
 */
export function dropWithheldRefs(object: StixObject, visible: (id: string) => boolean): StixObject | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    // An object defined by an extension the partner does not receive (a `uas` without its
    // definition) means nothing to it: withheld. The OASIS TLP 2.0 extension everyone knows.
    if (key === 'extensions' && value && typeof value === 'object') {
      if (Object.keys(value).some((id) => id !== TLP2_EXTENSION_ID && !visible(id))) return undefined;
    }
    const required = REQUIRED_REFS[object.type]?.includes(key) ?? false;
    if (key.endsWith('_ref') && typeof value === 'string') {
      if (visible(value)) out[key] = value;
      else if (required) return undefined;
    } else if (key.endsWith('_refs') && Array.isArray(value)) {
      const kept = (value as string[]).filter(visible);
      if (kept.length) out[key] = kept;
      else if (required) return undefined;
    } else out[key] = value;
  }
  return out as StixObject;
}

/**
 * What a partner may receive of a set of objects: types, markings and locations it is allowed,
 * narrowed to its properties, with every reference to something withheld removed (OpenCTI's
 * #6745: a withheld object must not stay listed in another's refs). `alsoVisible` are ids the
 * partner sees outside this set (objects of earlier pages). Stable: the order is kept.
 */
export function projectForPartner(
  objects: readonly SharedObject[],
  projection: PartnerProjection,
  alsoVisible: (id: string) => boolean = () => false,
): SharedObject[] {
  let kept = objects
    .filter((o) => allowedObject(o, projection))
    .map((o) => ({ ...o, object: narrowProperties(o.object, projection) }));
  // Withholding one object may withhold another that needs it: repeat until nothing changes.
  for (;;) {
    const ids = new Set(kept.map((o) => o.object.id));
    const visible = (id: string) => ids.has(id) || alsoVisible(id);
    const next: SharedObject[] = [];
    for (const o of kept) {
      const object = dropWithheldRefs(o.object, visible);
      if (object) next.push({ ...o, object });
    }
    if (
      next.length === kept.length &&
      next.every((o, i) => o.object === kept[i]!.object || sameKeys(o.object, kept[i]!.object))
    )
      return next;
    kept = next;
  }
}

function sameKeys(a: StixObject, b: StixObject): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
