import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { FINDING_RULES } from 'src/domain/material/material-finding';
import { MATERIAL_RECORD_TYPES } from 'src/domain/material/material-record.schema';
import { PageSchema, TimeParamSchema } from 'src/platform/query.schemas';

/** A range that ends before it starts is a 400 naming `to`. */
const inOrder = (query: { from?: Date; to?: Date }, ctx: z.core.$RefinementCtx) => {
  if (query.from && query.to && query.from > query.to)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from', input: query.to });
};

/** GET /material/records: by site, gateway, type and the record's own time (`at`), newest first. */
export const MaterialRecordQuerySchema = z
  .strictObject({
    siteId: IdentifierSchema.optional(),
    gatewayId: IdentifierSchema.optional(),
    type: z.enum(MATERIAL_RECORD_TYPES).optional(),
    from: TimeParamSchema.optional(),
    to: TimeParamSchema.optional(),
    ...PageSchema,
  })
  .superRefine(inOrder);
export type MaterialRecordQuery = z.infer<typeof MaterialRecordQuerySchema>;

/** GET /material/findings: by site, rule and the time of the discrepancy, newest first. */
export const MaterialFindingQuerySchema = z
  .strictObject({
    siteId: IdentifierSchema.optional(),
    rule: z.enum(FINDING_RULES).optional(),
    from: TimeParamSchema.optional(),
    to: TimeParamSchema.optional(),
    ...PageSchema,
  })
  .superRefine(inOrder);
export type MaterialFindingQuery = z.infer<typeof MaterialFindingQuerySchema>;

/** One stored material record: where and when it came from, and the record as accepted (times in UTC). */
export const MaterialRecordViewSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  gatewayId: z.string(),
  recordId: z.string(),
  type: z.enum(MATERIAL_RECORD_TYPES),
  at: z.string(),
  receivedAt: z.string(),
  zone: z.string().nullable(),
  record: z.record(z.string(), z.unknown()),
});
export type MaterialRecordView = z.infer<typeof MaterialRecordViewSchema>;

/** One discrepancy found, with the numbers and the tolerance behind it, and the theft event it raised. */
export const MaterialFindingViewSchema = z.object({
  siteId: z.string(),
  key: z.string(),
  rule: z.enum(FINDING_RULES),
  at: z.string(),
  foundAt: z.string(),
  zone: z.string(),
  summary: z.string(),
  numbers: z.record(z.string(), z.number()),
  tolerance: z.object({ kg: z.number().nullable(), basis: z.string() }),
  quantityKg: z.number().nullable(),
  plate: z.string().nullable(),
  materialCode: z.string().nullable(),
  recordIds: z.array(z.string()),
  eventId: z.string(),
});
export type MaterialFindingView = z.infer<typeof MaterialFindingViewSchema>;

export const MaterialRecordPageSchema = z.object({
  items: z.array(MaterialRecordViewSchema),
  nextCursor: z.string().nullable(),
});
export const MaterialFindingPageSchema = z.object({
  items: z.array(MaterialFindingViewSchema),
  nextCursor: z.string().nullable(),
});
