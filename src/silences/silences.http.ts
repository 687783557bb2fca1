import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { PageSchema, TimeParamSchema } from 'src/platform/query.schemas';

const BooleanParamSchema = z.enum(['true', 'false']).transform((v) => v === 'true');

/** GET /silences: by site, those active at an instant, and (when asked) expired ones too. */
export const SilenceQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  activeAt: TimeParamSchema.optional(),
  includeExpired: BooleanParamSchema.default(false),
  ...PageSchema,
});
export type SilenceQuery = z.infer<typeof SilenceQuerySchema>;

export const HeldQuerySchema = z.strictObject(PageSchema);
export type HeldQuery = z.infer<typeof HeldQuerySchema>;

/** As a drone's Remote ID Basic ID gives it: a serial number or a registration. */
export const UasIdSchema = storableText().trim().min(1).max(64);

export const AuthorizedDroneSpecSchema = z.strictObject({
  siteId: IdentifierSchema,
  uasId: UasIdSchema,
  label: storableText().trim().min(1).max(200),
});
export type AuthorizedDroneSpec = z.infer<typeof AuthorizedDroneSpecSchema>;

export const AuthorizedDroneQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  includeExpired: BooleanParamSchema.default(false),
});
export type AuthorizedDroneQuery = z.infer<typeof AuthorizedDroneQuerySchema>;

/** DELETE /authorized-drones/{uasId} and its held list: the same drone may be allowlisted at several sites. */
export const DroneSiteQuerySchema = z.strictObject({ siteId: IdentifierSchema });
export const DroneHeldQuerySchema = z.strictObject({ siteId: IdentifierSchema, ...PageSchema });

export const SilenceViewSchema = z
  .object({
    id: z.uuid(),
    siteId: z.string(),
    zone: z.string().nullable(),
    sensorId: z.string().nullable(),
    kind: z.enum(['drone', 'cyber', 'theft']).nullable(),
    match: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Field path → the value, or any of the values, it must have' }),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    recurrence: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: "The weekly window, on the site's clock" }),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    expiredAt: z.iso.datetime().nullable(),
    expiredBy: z.string().nullable(),
  })
  .meta({ id: 'Silence' });

export const AuthorizedDroneViewSchema = z
  .object({
    id: z.uuid(),
    siteId: z.string(),
    uasId: z.string(),
    label: z.string(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    expiredAt: z.iso.datetime().nullable(),
    expiredBy: z.string().nullable(),
  })
  .meta({ id: 'AuthorizedDrone' });
