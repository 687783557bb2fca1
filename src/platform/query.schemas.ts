import { z } from 'zod';
import { KindSchema, SeveritySchema } from 'src/domain/events/canonical-event.schema';
import { IdentifierSchema } from 'src/domain/events/identifiers';

/** Query-string pieces shared by the list endpoints. */
export const TimeParamSchema = z.iso
  .datetime({ offset: true })
  .transform((t) => new Date(t));

export const PageSchema = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
};

const incidentFilters = {
  siteId: IdentifierSchema.optional(),
  status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
  severity: SeveritySchema.optional(),
  kind: KindSchema.optional(),
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  q: z.string().min(1).max(200).optional(),
};
export const IncidentQuerySchema = z.strictObject({ ...incidentFilters, ...PageSchema });
export type IncidentQuery = z.infer<typeof IncidentQuerySchema>;
export const IncidentExportQuerySchema = z.strictObject({ ...incidentFilters, format: z.enum(['csv', 'ndjson']).default('ndjson') });
export type IncidentFilters = Omit<IncidentQuery, 'limit' | 'cursor'>;

export const StatsQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
});
export type StatsQuery = z.infer<typeof StatsQuerySchema>;

export const EventQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  gatewayId: IdentifierSchema.optional(),
  sensorId: IdentifierSchema.optional(),
  kind: KindSchema.optional(),
  severity: SeveritySchema.optional(),
  zone: IdentifierSchema.optional(),
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  ...PageSchema,
});
export type EventQuery = z.infer<typeof EventQuerySchema>;

export const RejectedQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  ...PageSchema,
});
export type RejectedQuery = z.infer<typeof RejectedQuerySchema>;

export const UuidParamSchema = z.guid();

/** For routes that take no query parameters: an unknown one is a 400 naming it, not silently ignored. */
export const NoQuerySchema = z.strictObject({});
/** For actions that take no body: absent, or an empty object. */
export const NoBodySchema = z.strictObject({}).optional();

export const RefreshSchema = z.strictObject({ refreshToken: z.string().min(1).max(200) });

export const LoginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const AssignSchema = z.strictObject({ userId: z.guid() });
export const NoteSchema = z.strictObject({ text: z.string().trim().min(1).max(4000) });
export const ResolveSchema = z.strictObject({
  resolution: z.enum(['true_positive', 'false_positive', 'duplicate']),
  note: z.string().trim().min(1).max(4000).optional(),
});

const PasswordSchema = z.string().min(10, 'at least 10 characters').max(256);
const RoleSchema = z.enum(['operator', 'lead', 'admin']);
export const CreateUserSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - only, at most 64'),
  password: PasswordSchema,
  role: RoleSchema,
  siteIds: z.array(IdentifierSchema).max(1000).default([]),
});
export const UpdateUserSchema = z
  .strictObject({
    password: PasswordSchema.optional(),
    role: RoleSchema.optional(),
    siteIds: z.array(IdentifierSchema).max(1000).optional(),
    disabled: z.boolean().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, 'name at least one of password, role, siteIds, disabled');
