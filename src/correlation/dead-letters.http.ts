import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { PageSchema } from 'src/platform/query.schemas';

/** GET /dead-letters: the events whose fold failed every attempt, oldest first, by site. */
export const DeadLetterQuerySchema = z.strictObject({
  siteId: IdentifierSchema.optional(),
  ...PageSchema,
});
export type DeadLetterQuery = z.infer<typeof DeadLetterQuerySchema>;

/** A dead letter's id: the event's storage id, as GET /dead-letters lists it. */
const StorageIdSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** POST /dead-letters/retry: given dead letters (at most 1000), or every one of a site. */
export const DeadLetterRetrySchema = z.union([
  z.strictObject({ ids: z.array(StorageIdSchema).min(1).max(1000) }),
  z.strictObject({ siteId: IdentifierSchema }),
]);
export type DeadLetterRetry = z.infer<typeof DeadLetterRetrySchema>;

export const DeadLetterSchema = z
  .object({
    id: z.int().meta({ description: 'The storage id a retry names' }),
    siteId: z.string(),
    gatewayId: z.string(),
    eventId: z.string(),
    kind: z.string(),
    occurredAt: z.iso.datetime(),
    storedAt: z.iso.datetime(),
    error: z.string().nullable(),
  })
  .meta({ id: 'DeadLetter' });

export const RetriedSchema = z.object({
  retried: z.int().min(0),
  ids: z.array(z.int()),
  queued: z.boolean().meta({ description: 'Queued at once (false: Redis is away, and the re-queue sweep folds them)' }),
});
