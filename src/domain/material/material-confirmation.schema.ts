import { z } from 'zod';
import { IdentifierSchema } from '../events/identifiers';

/**
 * What OreGuard answers on a gateway's acks topic for a material record it asked to have
 * confirmed (MQTT 5 `responseTopic`, same `correlationData`): the record's fate, by its
 * recordId (absent when the payload had no readable one), and the reason when rejected.
 */
export const MaterialConfirmationSchema = z.object({
  status: z.enum(['stored', 'duplicate', 'rejected']),
  recordId: IdentifierSchema.optional(),
  reason: z.string().optional(),
});
export type MaterialConfirmation = z.infer<typeof MaterialConfirmationSchema>;
