import { z } from 'zod';
import { IdentifierSchema } from './identifiers';
import { IpAddressSchema } from './ip-address';
import { ZonedTimeSchema } from './zoned-time.schema';

const text = (maxLength = 256) => z.string().min(1).max(maxLength);

/** Ordered from least to most severe. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** 0 for `info` up to 4 for `critical`, for comparing and taking maxima. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export const KINDS = ['drone', 'cyber', 'theft'] as const;
export const KindSchema = z.enum(KINDS);
export type Kind = z.infer<typeof KindSchema>;

/** The gateway's UUID, any version, any case; kept in lowercase. */
export const EventIdSchema = z.guid().transform((id) => id.toLowerCase());

// ---- drone (ASTM F3411 names where one exists; its "unknown" values must be absent) ----

export const DroneDetectionSchema = z.enum(['remote_id', 'rf', 'radar', 'visual', 'acoustic']);

const LatitudeSchema = z.number().min(-90).max(90);
const LongitudeSchema = z.number().min(-180).max(180);
const NOT_NULL_ISLAND = {
  message: 'lat 0, lon 0 is the Remote ID "unknown" position; leave an unknown position out',
};
const isNullIsland = (p: { lat: number; lon: number }) => p.lat === 0 && p.lon === 0;

export const DronePositionSchema = z
  .strictObject({
    lat: LatitudeSchema,
    lon: LongitudeSchema,
    /** Above -1000 (Remote ID's "unknown"), at most Remote ID's ceiling. */
    altM: z.number().gt(-1000).max(31767.5).optional(),
  })
  .refine((p) => !isNullIsland(p), NOT_NULL_ISLAND);

export const OperatorPositionSchema = z
  .strictObject({ lat: LatitudeSchema, lon: LongitudeSchema })
  .refine((p) => !isNullIsland(p), NOT_NULL_ISLAND);

export const DroneDetailsSchema = z.strictObject({
  detection: DroneDetectionSchema,
  uasId: text().optional(),
  position: DronePositionSchema,
  headingDeg: z.number().min(0).max(360).optional(),
  speedMps: z.number().min(0).optional(),
  operatorPosition: OperatorPositionSchema.optional(),
  operatorId: text().optional(),
  trackId: text().optional(),
  confidence: z.number().min(0).max(1).optional(),
  model: text().optional(),
});
export type DroneDetails = z.infer<typeof DroneDetailsSchema>;

// ---- cyber ----

export const CyberCategorySchema = z.enum(['intrusion', 'malware', 'auth_failure', 'scan', 'dos', 'policy', 'anomaly']);
export type CyberCategory = z.infer<typeof CyberCategorySchema>;
export const NetworkSchema = z.enum(['ot', 'it']);
export type Network = z.infer<typeof NetworkSchema>;
export const PortSchema = z.int().min(0).max(65535);

export const CyberDetailsSchema = z.strictObject({
  category: CyberCategorySchema,
  signature: text(1024),
  signatureId: z.int().min(0).optional(),
  srcIp: IpAddressSchema,
  srcPort: PortSchema.optional(),
  dstIp: IpAddressSchema,
  dstPort: PortSchema.optional(),
  protocol: text(32).optional(),
  network: NetworkSchema,
  asset: text().optional(),
});
export type CyberDetails = z.infer<typeof CyberDetailsSchema>;

// ---- theft ----

/** `material_discrepancy` is raised by OreGuard's material reconciliation only; gateways may not send it (gateway-message.ts). */
export const TheftCategorySchema = z.enum([
  'perimeter_breach',
  'unauthorized_access',
  'material_loss',
  'material_discrepancy',
  'vehicle',
  'tamper',
]);
export type TheftCategory = z.infer<typeof TheftCategorySchema>;

export const TheftDetailsSchema = z.strictObject({
  category: TheftCategorySchema,
  material: text().optional(),
  quantityKg: z.number().min(0).optional(),
  vehicleId: text().optional(),
  description: text(2000).optional(),
});
export type TheftDetails = z.infer<typeof TheftDetailsSchema>;

// ---- the event: common fields, then exactly the object its kind names ----

const commonFields = {
  eventId: EventIdSchema,
  sensorId: IdentifierSchema,
  occurredAt: ZonedTimeSchema,
  severity: SeveritySchema.optional(),
  zone: IdentifierSchema.optional(),
  seq: z.int().min(0).optional(),
};

export const DroneEventSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('drone'),
  drone: DroneDetailsSchema,
});
export const CyberEventSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('cyber'),
  cyber: CyberDetailsSchema,
});
/** A theft event must say which zone it concerns. */
export const TheftEventSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('theft'),
  zone: IdentifierSchema,
  theft: TheftDetailsSchema,
});

/**
 * One canonical event as a gateway publishes it (contract §1). Strict at every level: an unknown
 * field, or a kind object other than the one `kind` names, is reported as an unknown field.
 * Output: `eventId` in lowercase, `occurredAt` as its UTC instant.
 */
export const CanonicalEventSchema = z.discriminatedUnion('kind', [
  DroneEventSchema,
  CyberEventSchema,
  TheftEventSchema,
]);

export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;
/** The JSON shape a gateway sends (occurredAt as text): for builders and fixtures. */
export type CanonicalEventInput = z.input<typeof CanonicalEventSchema>;
export type DroneEvent = z.infer<typeof DroneEventSchema>;
export type CyberEvent = z.infer<typeof CyberEventSchema>;
export type TheftEvent = z.infer<typeof TheftEventSchema>;
