import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { PostureChangeSpecSchema } from 'src/domain/posture/posture-change';
import { PostureLevelSchema } from 'src/domain/posture/posture-level';
import { PostureSourceSchema } from 'src/domain/posture/posture-source';
import { storableText } from 'src/domain/storable-text';
import { TimeParamSchema } from 'src/platform/query.schemas';

/** PUT /sites/{id}/posture: `{level, reason, source, expiresAt}` (src/domain/posture/posture-change.ts). */
export const PostureRequestSchema = PostureChangeSpecSchema;

/** GET /sites/{id}/posture/history: the intervals overlapping [from, to); all of them without bounds. */
export const PostureHistoryQuerySchema = z
  .strictObject({ from: TimeParamSchema.optional(), to: TimeParamSchema.optional() })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after from' });
export type PostureHistoryQuery = z.infer<typeof PostureHistoryQuerySchema>;

/** POST /sites/{id}/posture/acknowledge: the change the operator has read. */
export const PostureAckRequestSchema = z.strictObject({ changeId: z.uuid() });

/** The path segment of PUT /posture-floors/{scope}: `company`, or a region's name. */
export const FloorScopeSchema = IdentifierSchema;

/**
 * PUT /posture-floors/{scope}: the minimum for the whole company (`company`) or a region (its
 * sites listed in `siteIds`). Like a site's level it comes from a scheme; `expiresAt` is
 * optional (a standing minimum is what a floor is for). `normal` lifts the floor.
 */
export const FloorRequestSchema = z.strictObject({
  level: PostureLevelSchema,
  reason: storableText().trim().min(1).max(2000),
  source: PostureSourceSchema,
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((t) => new Date(t))
    .optional(),
  siteIds: z.array(IdentifierSchema).min(1).max(1000).optional(),
});
export type FloorRequest = z.infer<typeof FloorRequestSchema>;

const Instant = z.iso.datetime({ offset: true });

export const PostureChangeViewSchema = z.object({
  changeId: z.uuid(),
  level: PostureLevelSchema,
  source: PostureSourceSchema,
  reason: z.string(),
  setBy: z.string(),
  approvedBy: z.string().nullable(),
  validFrom: Instant,
  validTo: Instant.nullable(),
  expiresAt: Instant.nullable(),
  acknowledgedAt: Instant.nullable(),
  acknowledgedBy: z.string().nullable(),
});

export const PostureFloorViewSchema = z.object({
  id: z.uuid(),
  scope: z.string(),
  siteIds: z.array(z.string()).nullable(),
  level: PostureLevelSchema,
  source: PostureSourceSchema,
  reason: z.string(),
  setBy: z.string(),
  validFrom: Instant,
  validTo: Instant.nullable(),
  expiresAt: Instant.nullable(),
});

export const PostureLoweringViewSchema = z.object({
  id: z.uuid(),
  siteId: z.string(),
  level: PostureLevelSchema,
  source: PostureSourceSchema,
  reason: z.string(),
  expiresAt: Instant.nullable(),
  requestedBy: z.string(),
  requestedAt: Instant,
  status: z.enum(['pending', 'approved', 'superseded']),
  decidedBy: z.string().nullable(),
  decidedAt: Instant.nullable(),
  changeId: z.uuid().nullable(),
});

/** GET /sites/{id}/posture, and the `posture` field of the /live `posture` event. */
export const PostureViewSchema = z.object({
  siteId: z.string(),
  /** What is in force: the higher of the site's own level and the floor. */
  level: PostureLevelSchema,
  own: PostureLevelSchema,
  floor: PostureLevelSchema,
  /** The contract's fields, of the site's own entry in force (null at a site never raised, or past its expiry). */
  reason: z.string().nullable(),
  source: PostureSourceSchema.nullable(),
  expiresAt: Instant.nullable(),
  change: PostureChangeViewSchema.nullable(),
  floorEntry: PostureFloorViewSchema.nullable(),
  pendingLowering: PostureLoweringViewSchema.nullable(),
  acks: z.array(z.object({ username: z.string(), at: Instant })),
});
export type PostureView = z.infer<typeof PostureViewSchema>;

/** GET /sites/{id}/posture/history. */
export const PostureHistoryViewSchema = z.object({
  siteId: z.string(),
  changes: z.array(PostureChangeViewSchema),
  floors: z.array(PostureFloorViewSchema),
});

/** PUT /sites/{id}/posture answers 200 with the posture when applied, 202 with the lowering when it waits. */
export const PostureSetResultSchema = z.union([PostureViewSchema, PostureLoweringViewSchema]);
