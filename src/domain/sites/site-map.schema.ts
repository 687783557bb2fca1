import { z } from 'zod';
import { IdentifierSchema } from '../events/identifiers';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../storable-text';

/** At most this many features, and positions in one ring: a site plan, not a survey. */
export const SITE_MAP_MAX_FEATURES = 500;
export const SITE_MAP_MAX_RING_POSITIONS = 2000;

/** [lon, lat] or [lon, lat, alt] in WGS 84 degrees (GeoJSON order: longitude first). */
const PositionSchema = z.union([
  z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]),
  z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().finite()]),
]);

/** A closed linear ring: at least four positions, the last the same as the first. */
const RingSchema = z
  .array(PositionSchema)
  .min(4)
  .max(SITE_MAP_MAX_RING_POSITIONS)
  .refine((ring) => ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1], {
    message: 'a polygon ring must be closed: its last position the same as its first',
  });

const PolygonSchema = z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(RingSchema).min(1).max(50) });
const PointSchema = z.strictObject({ type: z.literal('Point'), coordinates: PositionSchema });

/** Other properties are kept as given. */
const PerimeterFeature = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string().max(200), z.number()]).optional(),
  geometry: PolygonSchema,
  properties: z.looseObject({ kind: z.literal('perimeter') }),
});
const ZoneFeature = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string().max(200), z.number()]).optional(),
  geometry: PolygonSchema,
  properties: z.looseObject({ kind: z.literal('zone'), zone: IdentifierSchema }),
});
const SensorFeature = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string().max(200), z.number()]).optional(),
  geometry: PointSchema,
  properties: z.looseObject({ kind: z.literal('sensor'), sensorId: IdentifierSchema }),
});

const FEATURE_BY_KIND = { perimeter: PerimeterFeature, zone: ZoneFeature, sensor: SensorFeature } as const;
type SiteMapFeature = z.infer<(typeof FEATURE_BY_KIND)[keyof typeof FEATURE_BY_KIND]>;

/** One feature, checked by the schema its `properties.kind` names (so a fault is named precisely). */
export const SiteMapFeatureSchema = z
  .unknown()
  .transform((value, ctx): SiteMapFeature => {
    const kind = (value as { properties?: { kind?: unknown } } | null)?.properties?.kind;
    const schema =
      typeof kind === 'string' && Object.hasOwn(FEATURE_BY_KIND, kind)
        ? FEATURE_BY_KIND[kind as keyof typeof FEATURE_BY_KIND]
        : undefined;
    if (!schema) {
      ctx.addIssue({ code: 'custom', path: ['properties', 'kind'], message: 'must be perimeter, zone or sensor' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  })
  .meta({ description: 'A perimeter, zone or sensor Feature, as in the SiteMap schema' });

/**
 * A site's map (contract §3, `PUT /sites/{id}/map`): a GeoJSON FeatureCollection in WGS 84 whose
 * features say what they are in `properties.kind`: `perimeter` (a Polygon), `zone` (a Polygon
 * with `properties.zone`, as events name it) and `sensor` (a Point with `properties.sensorId`).
 * Other properties of a feature are kept; a zone is drawn once.
 */
export const SiteMapSchema = z
  .strictObject({
    type: z.literal('FeatureCollection'),
    features: z.array(SiteMapFeatureSchema).max(SITE_MAP_MAX_FEATURES),
  })
  .superRefine((map, ctx) => {
    // Kept properties are stored as JSON text in PostgreSQL, which takes no NUL and no lone surrogate.
    map.features.forEach((feature, i) => {
      const bad = unstorablePath(feature.properties);
      if (bad)
        ctx.addIssue({ code: 'custom', path: ['features', i, 'properties', ...bad], message: UNSTORABLE_TEXT_MESSAGE });
    });
    const zones = new Set<string>();
    map.features.forEach((feature, i) => {
      if (feature.properties.kind !== 'zone') return;
      const zone = feature.properties.zone;
      if (zones.has(zone))
        ctx.addIssue({
          code: 'custom',
          path: ['features', i, 'properties', 'zone'],
          message: `zone ${zone} is drawn twice`,
        });
      zones.add(zone);
    });
  });
export type SiteMap = z.infer<typeof SiteMapSchema>;

/** What SiteMapFeatureSchema accepts, as one schema: for the API documents. */
export const SiteMapFeatureUnionSchema = z.union([PerimeterFeature, ZoneFeature, SensorFeature]);

/** The site map as stored and read back: the same features, for the API documents. */
export const SiteMapViewSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(SiteMapFeatureUnionSchema).max(SITE_MAP_MAX_FEATURES),
  })
  .meta({
    id: 'SiteMap',
    description: 'GeoJSON FeatureCollection, WGS 84; each feature says what it is in properties.kind',
  });

/** The path to the first string (key or value) in `value` that PostgreSQL could not store, if any. */
function unstorablePath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorablePath(value[i], [...path, i]);
      if (bad) return bad;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key];
      const bad = unstorablePath(inner, [...path, key]);
      if (bad) return bad;
    }
  }
  return undefined;
}
