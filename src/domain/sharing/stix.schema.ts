import { z } from 'zod';
import { TLP2_EXTENSION_ID, TLP_LEVELS, tlpMarkingId } from './tlp';

/**
 * STIX 2.1 as OreGuard emits it, written from the specification (OASIS STIX 2.1, sections 2, 3, 4,
 * 6 and 7) to check every object OreGuard sends before a partner sees it. Strict: an object with a
 * property OreGuard does not mean to send is refused, not passed on.
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** §2.9 identifier: `type--UUID` (RFC 4122 variant). */
export const StixIdSchema = z
  .string()
  .regex(new RegExp(`^[a-z][a-z0-9-]*[a-z0-9]--${UUID}$`), 'a STIX identifier (type--uuid)');
export const idOf = (type: string) =>
  z.string().regex(new RegExp(`^${type.replace(/[+]/g, '\\+')}--${UUID}$`), `an identifier of type ${type}`);

/** §3.2 timestamp: RFC 3339, UTC, `Z`, any sub-second digits. */
export const StixTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'a STIX UTC timestamp');
/** TAXII 2.1 §3.1: timestamps in the API have exactly microsecond precision. */
export const TaxiiTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'a TAXII timestamp with microseconds');
/** created/modified: at least millisecond precision (§3.2). */
const SdoTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,}Z$/, 'a STIX timestamp with at least milliseconds');

const MarkingRefsSchema = z.array(idOf('marking-definition')).min(1);
const ExtensionsSchema = z.record(z.string().regex(/^extension-definition--/), z.record(z.string(), z.unknown()));

/** Common properties of SDOs and SROs (§3.1). */
const sdoCommon = {
  spec_version: z.literal('2.1'),
  created_by_ref: idOf('identity').optional(),
  created: SdoTimeSchema,
  modified: SdoTimeSchema,
  labels: z.array(z.string().min(1)).min(1).optional(),
  object_marking_refs: MarkingRefsSchema.optional(),
  extensions: ExtensionsSchema.optional(),
};

const modifiedNotBeforeCreated = (o: { created: string; modified: string }) =>
  Date.parse(o.modified) >= Date.parse(o.created);
const MODIFIED = { message: 'modified must not be earlier than created', path: ['modified'] };

export const IdentitySchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('identity'),
    id: idOf('identity'),
    name: z.string().min(1),
    identity_class: z.enum(['individual', 'group', 'system', 'organization', 'class', 'unknown']).optional(),
    sectors: z
      .array(z.string().regex(/^[a-z0-9-]+$/))
      .min(1)
      .optional(),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED);

const SURICATA_HEADER =
  /^(alert|pass|drop|reject|rejectsrc|rejectdst|rejectboth) ([a-z0-9-]+) (\S+) (\S+) (->|<>) (\S+) (\S+) \((.*)\)$/;
/** One option of a rule: `keyword;` or `keyword:value;`, the value's `;`, `"` and `\` escaped. */
const SURICATA_OPTION = /\s*([a-z0-9_.]+)(?::((?:[^;"\\]|\\.|"(?:[^"\\]|\\.)*")*))?;/gy;

/**
 * Why `pattern` is not a Suricata rule, or undefined: the header (action, protocol, addresses,
 * ports, direction) and options, each ended by `;`, among them a quoted `msg` and a numeric `sid`
 * (what a rule set needs to load it). Checks the form Suricata documents, not its keywords' meaning.
 */
export function suricataRuleProblem(pattern: string): string | undefined {
  const header = SURICATA_HEADER.exec(pattern);
  if (!header) return 'not a Suricata rule (action protocol source port direction destination port (options))';
  const body = header[8]!;
  const options = new Map<string, string | undefined>();
  SURICATA_OPTION.lastIndex = 0;
  while (SURICATA_OPTION.lastIndex < body.length) {
    const at = SURICATA_OPTION.lastIndex;
    const option = SURICATA_OPTION.exec(body);
    if (!option)
      return body.slice(at).trim() ? `rule options: cannot read from "${body.slice(at, at + 20)}"` : undefined;
    options.set(option[1]!, option[2]);
  }
  if (!/^"(?:[^"\\]|\\.)+"$/.test(options.get('msg') ?? '')) return 'rule options: a quoted msg is required';
  if (!/^\d+$/.test(options.get('sid') ?? '')) return 'rule options: a numeric sid is required';
  return undefined;
}

/** §4.7: pattern, pattern_type (open vocabulary; stix, sigma, suricata among them) and valid_from are required. */
export const IndicatorSchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('indicator'),
    id: idOf('indicator'),
    name: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    indicator_types: z.array(z.string().min(1)).min(1).optional(),
    pattern: z.string().min(1),
    pattern_type: z.string().regex(/^[a-z0-9-]+$/),
    valid_from: StixTimestampSchema,
    valid_until: StixTimestampSchema.optional(),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED)
  .refine((o) => o.valid_until === undefined || Date.parse(o.valid_until) > Date.parse(o.valid_from), {
    message: 'valid_until must be later than valid_from',
    path: ['valid_until'],
  })
  .superRefine((o, ctx) => {
    const problem = o.pattern_type === 'suricata' ? suricataRuleProblem(o.pattern) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['pattern'] });
  });

/** §4.13: observed-data (object_refs form: the embedded `objects` is deprecated). */
export const ObservedDataSchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('observed-data'),
    id: idOf('observed-data'),
    first_observed: StixTimestampSchema,
    last_observed: StixTimestampSchema,
    number_observed: z.int().min(1).max(999_999_999),
    object_refs: z.array(StixIdSchema).min(1),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED)
  .refine((o) => Date.parse(o.last_observed) >= Date.parse(o.first_observed), {
    message: 'last_observed must not be earlier than first_observed',
    path: ['last_observed'],
  });

/** §5.2: sighting_of_ref is required; count 0 to 999999999; where_sighted_refs identities or locations. */
export const SightingSchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('sighting'),
    id: idOf('sighting'),
    sighting_of_ref: StixIdSchema,
    count: z.int().min(0).max(999_999_999).optional(),
    first_seen: StixTimestampSchema.optional(),
    last_seen: StixTimestampSchema.optional(),
    observed_data_refs: z.array(idOf('observed-data')).min(1).optional(),
    where_sighted_refs: z
      .array(z.union([idOf('identity'), idOf('location')]))
      .min(1)
      .optional(),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED)
  .refine((o) => !o.first_seen || !o.last_seen || Date.parse(o.last_seen) >= Date.parse(o.first_seen), {
    message: 'last_seen must not be earlier than first_seen',
    path: ['last_seen'],
  })
  .refine(
    (o) => !/^(sighting|relationship|observed-data|marking-definition|language-content)--/.test(o.sighting_of_ref),
    {
      message: 'a sighting is of an SDO',
      path: ['sighting_of_ref'],
    },
  );

/** §4.11: a location needs a region, a country, or latitude and longitude; precision only with both. */
export const LocationSchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('location'),
    id: idOf('location'),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    precision: z.number().min(0).optional(),
    region: z.string().min(1).optional(),
    country: z.string().min(2).optional(),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED)
  .refine((o) => (o.latitude === undefined) === (o.longitude === undefined), {
    message: 'latitude and longitude go together',
    path: ['latitude'],
  })
  .refine((o) => o.precision === undefined || o.latitude !== undefined, {
    message: 'precision needs latitude and longitude',
    path: ['precision'],
  })
  .refine((o) => o.latitude !== undefined || o.region !== undefined || o.country !== undefined, {
    message: 'a location needs a region, a country or latitude and longitude',
    path: ['region'],
  });

/** §7.3: an extension definition; created_by_ref, name, schema, version and extension_types are required. */
export const ExtensionDefinitionSchema = z
  .strictObject({
    ...sdoCommon,
    type: z.literal('extension-definition'),
    id: idOf('extension-definition'),
    created_by_ref: idOf('identity'),
    name: z.string().min(1),
    description: z.string().min(1).optional(),
    schema: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    extension_types: z
      .array(z.enum(['new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension']))
      .min(1),
  })
  .refine(modifiedNotBeforeCreated, MODIFIED);

/** A TLP 2.0 marking definition (OASIS tlp-2.0 schema): id, name and tlp_2_0 must agree. */
export const TlpMarkingSchema = z
  .strictObject({
    type: z.literal('marking-definition'),
    spec_version: z.literal('2.1'),
    id: idOf('marking-definition'),
    created: StixTimestampSchema,
    name: z.string(),
    extensions: z.strictObject({
      [TLP2_EXTENSION_ID]: z.strictObject({
        extension_type: z.literal('property-extension'),
        tlp_2_0: z.enum(TLP_LEVELS),
      }),
    }),
  })
  .refine((m) => {
    const tlp = m.extensions[TLP2_EXTENSION_ID].tlp_2_0;
    return m.id === tlpMarkingId(tlp) && m.name === `TLP:${tlp.toUpperCase()}`;
  }, 'id, name and tlp_2_0 name different TLP levels');

/** §6: SCOs carry no created/modified; their ids are UUIDv5 of their contributing properties. */
const scoCommon = {
  spec_version: z.literal('2.1').optional(),
  object_marking_refs: MarkingRefsSchema.optional(),
  extensions: ExtensionsSchema.optional(),
};
export const Ipv4AddrSchema = z.strictObject({
  ...scoCommon,
  type: z.literal('ipv4-addr'),
  id: idOf('ipv4-addr'),
  value: z.ipv4(),
});
export const Ipv6AddrSchema = z.strictObject({
  ...scoCommon,
  type: z.literal('ipv6-addr'),
  id: idOf('ipv6-addr'),
  value: z.ipv6(),
});

/**
 * OreGuard's `uas` cyber-observable (a new SCO under its extension definition, properties after
 * OCSF's unmanned_aerial_system): `uid` the Remote ID serial (CTA-2063-A) or registration.
 */
export const UasSchema = z.strictObject({
  ...scoCommon,
  type: z.literal('uas'),
  id: idOf('uas'),
  uid: z.string().min(1),
  model: z.string().min(1).optional(),
  extensions: ExtensionsSchema,
});

/** Every object type OreGuard may emit, each checked by its own schema. */
export const STIX_SCHEMAS = {
  identity: IdentitySchema,
  indicator: IndicatorSchema,
  'observed-data': ObservedDataSchema,
  sighting: SightingSchema,
  location: LocationSchema,
  'extension-definition': ExtensionDefinitionSchema,
  'marking-definition': TlpMarkingSchema,
  'ipv4-addr': Ipv4AddrSchema,
  'ipv6-addr': Ipv6AddrSchema,
  uas: UasSchema,
} as const;
export type StixType = keyof typeof STIX_SCHEMAS;
export const STIX_TYPES = Object.keys(STIX_SCHEMAS) as StixType[];
export const StixTypeSchema = z.enum(STIX_TYPES as [StixType, ...StixType[]]);

/** One STIX object as OreGuard passes it around: validated by STIX_SCHEMAS at the edges. */
export type StixObject = { type: StixType; id: string; [property: string]: unknown };

/** Required properties of each type (never removed by a partner projection). */
export const REQUIRED_PROPERTIES: Record<StixType, readonly string[]> = {
  identity: ['type', 'spec_version', 'id', 'created', 'modified', 'name'],
  indicator: ['type', 'spec_version', 'id', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from'],
  'observed-data': [
    'type',
    'spec_version',
    'id',
    'created',
    'modified',
    'first_observed',
    'last_observed',
    'number_observed',
    'object_refs',
  ],
  sighting: ['type', 'spec_version', 'id', 'created', 'modified', 'sighting_of_ref'],
  location: ['type', 'spec_version', 'id', 'created', 'modified'],
  'extension-definition': [
    'type',
    'spec_version',
    'id',
    'created',
    'modified',
    'created_by_ref',
    'name',
    'schema',
    'version',
    'extension_types',
  ],
  'marking-definition': ['type', 'spec_version', 'id', 'created', 'name', 'extensions'],
  'ipv4-addr': ['type', 'id', 'value'],
  'ipv6-addr': ['type', 'id', 'value'],
  uas: ['type', 'id', 'uid', 'extensions'],
};

/** The first problem of an object as "id: path: message", or undefined when it is valid STIX. */
export function stixProblem(object: unknown): string | undefined {
  const o = object as { type?: unknown; id?: unknown };
  const schema = typeof o?.type === 'string' ? (STIX_SCHEMAS as Record<string, z.ZodType>)[o.type] : undefined;
  if (!schema) return `${String(o?.id)}: type: not a type OreGuard shares (${String(o?.type)})`;
  const parsed = schema.safeParse(object);
  if (parsed.success) {
    if (typeof o.id === 'string' && !o.id.startsWith(`${String(o.type)}--`))
      return `${o.id}: id: does not name type ${String(o.type)}`;
    return undefined;
  }
  const issue = parsed.error.issues[0]!;
  return `${String(o.id)}: ${issue.path.join('.') || '(object)'}: ${issue.message}`;
}
