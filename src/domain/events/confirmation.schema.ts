import { z } from 'zod';

/**
 * What OreGuard publishes on a gateway's `acks` topic once a message it asked to confirm (MQTT 5
 * response topic) is committed or rejected, with the request's correlation data (contract §1).
 */
export const ConfirmationMessageSchema = z.object({
  status: z.enum(['stored', 'duplicate', 'rejected']),
  eventId: z
    .string()
    .optional()
    .meta({ description: 'The event (for Remote ID, the first event assembled); absent when the payload named none' }),
  reason: z.string().optional().meta({ description: 'Rejected only: the field and the fault' }),
});

export type ConfirmationMessage = z.infer<typeof ConfirmationMessageSchema>;
