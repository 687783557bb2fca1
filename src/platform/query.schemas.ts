import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { KindSchema, SeveritySchema } from 'src/domain/events/canonical-event.schema';
import { IdentifierSchema } from 'src/domain/events/identifiers';

/** Query-string pieces shared by the list endpoints. */
export const TimeParamSchema = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

export const PageSchema = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: storableText().max(200).optional(),
};

/** Lifecycle time ranges of the incident search: `<name>From` ≤ time ≤ `<name>To`, both optional. */
const LIFECYCLE_TIMES = ['opened', 'acknowledged', 'resolved'] as const;
const lifecycleRanges = {
  openedFrom: TimeParamSchema.optional(),
  openedTo: TimeParamSchema.optional(),
  acknowledgedFrom: TimeParamSchema.optional(),
  acknowledgedTo: TimeParamSchema.optional(),
  resolvedFrom: TimeParamSchema.optional(),
  resolvedTo: TimeParamSchema.optional(),
};

/** What selects incidents besides the site and the activity window (shared by list, export and stats). */
const incidentSearch = {
  status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
  severity: SeveritySchema.optional(),
  kind: KindSchema.optional(),
  zone: IdentifierSchema.optional(),
  ruleId: IdentifierSchema.optional(),
  resolution: z.enum(['true_positive', 'false_positive', 'duplicate']).optional(),
  /** The assigned user's id. */
  assignee: z.guid().optional(),
  q: storableText().min(1).max(200).optional(),
  ...lifecycleRanges,
};

/** A range that ends before it starts is a 400 naming its `…To` field. */
function rangesInOrder(query: Partial<Record<keyof typeof lifecycleRanges, Date>>, ctx: z.core.$RefinementCtx): void {
  for (const name of LIFECYCLE_TIMES) {
    const from = query[`${name}From`];
    const to = query[`${name}To`];
    if (from && to && from > to) {
      ctx.addIssue({ code: 'custom', path: [`${name}To`], message: `must not be before ${name}From`, input: to });
    }
  }
}

const incidentFilters = {
  siteId: IdentifierSchema.optional(),
  ...incidentSearch,
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
};
export const IncidentQuerySchema = z.strictObject({ ...incidentFilters, ...PageSchema }).superRefine(rangesInOrder);
export type IncidentQuery = z.infer<typeof IncidentQuerySchema>;
export const IncidentExportQuerySchema = z
  .strictObject({ ...incidentFilters, format: z.enum(['csv', 'ndjson']).default('ndjson') })
  .superRefine(rangesInOrder);
export type IncidentFilters = Omit<IncidentQuery, 'limit' | 'cursor'>;
/** The filters that apply the same way to lists, exports and statistics. */
export type IncidentSearch = Omit<IncidentFilters, 'siteId' | 'from' | 'to'>;

/** Statistics of the incidents opened in [from, to], narrowed by the same filters as the list. */
export const StatsQuerySchema = z
  .strictObject({
    siteId: IdentifierSchema.optional(),
    ...incidentSearch,
    from: TimeParamSchema.optional(),
    to: TimeParamSchema.optional(),
  })
  .superRefine(rangesInOrder);
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

export const RefreshSchema = z.strictObject({ refreshToken: storableText().min(1).max(200) });

const LoginUsernameSchema = storableText().min(1).max(64);
/** A username as tried at login (any text up to 64 characters), as a path parameter. */
export const LoginUsernameParamSchema = LoginUsernameSchema;

export const LoginSchema = z.strictObject({
  username: LoginUsernameSchema,
  password: storableText().min(1).max(256),
});

export const AssignSchema = z.strictObject({ userId: z.guid() });
export const NoteSchema = z.strictObject({ text: storableText().trim().min(1).max(4000) });
export const ResolveSchema = z.strictObject({
  resolution: z.enum(['true_positive', 'false_positive', 'duplicate']),
  note: storableText().trim().min(1).max(4000).optional(),
});

const PasswordSchema = storableText().min(10, 'at least 10 characters').max(256);
const RoleSchema = z.enum(['operator', 'lead', 'admin']);
export const CreateUserSchema = z.strictObject({
  username: storableText().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - only, at most 64'),
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
