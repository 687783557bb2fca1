import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';

/** PUT and DELETE /incidents/{id}/legal-hold: why the hold is set, or lifted. */
export const LegalHoldRequestSchema = z.strictObject({
  reason: storableText().trim().min(1).max(2000),
});
export type LegalHoldRequest = z.infer<typeof LegalHoldRequestSchema>;

/** An incident's legal hold, as GET /incidents/{id} (`legalHold`) and PUT show it. */
export const LegalHoldSchema = z
  .object({
    incidentId: z.uuid(),
    reason: z.string(),
    setBy: z.string(),
    setAt: z.iso.datetime(),
  })
  .meta({ id: 'LegalHold' });
export type LegalHold = z.infer<typeof LegalHoldSchema>;

export const LegalHoldLiftedSchema = z.object({ incidentId: z.uuid(), legalHold: z.null() });
