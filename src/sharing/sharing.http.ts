import { z } from 'zod';
import { TlpSchema } from 'src/domain/sharing/tlp';

/** GET /sharing/held: objects above TLP:GREEN waiting for a lead's release, of one incident or all. */
export const HeldQuerySchema = z.strictObject({ incidentId: z.uuid().optional() });
export type HeldQuery = z.infer<typeof HeldQuerySchema>;

export const HeldObjectsSchema = z.object({
  items: z.array(
    z.object({
      stixId: z.string(),
      type: z.string(),
      tlp: TlpSchema,
      incidentId: z.uuid(),
      version: z.string().nullable(),
      heldSince: z.string(),
    }),
  ),
});

/** POST /sharing/incidents/{id}/release: how many held objects went out. */
export const ReleaseResultSchema = z.object({ incidentId: z.uuid(), released: z.int().min(0) });
