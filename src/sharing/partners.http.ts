import { z } from 'zod';
import { PartnerProjectionSchema } from 'src/domain/sharing/partner-projection';
import { storableText } from 'src/domain/storable-text';

/** What a partner's name may be: anything else given as one names no partner. */
export const PARTNER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;

/** A partner's name is also its HTTP Basic user name. */
export const PartnerNameSchema = storableText().trim().regex(PARTNER_NAME, 'letters, digits, . _ - (2 to 64)');

/** POST /partners: the secret comes back once, in the answer. */
export const CreatePartnerSchema = z.strictObject({ name: PartnerNameSchema, projection: PartnerProjectionSchema });
export type CreatePartner = z.infer<typeof CreatePartnerSchema>;

/** PATCH /partners/{id}: a new projection, disabling (its credentials stop at once), a new secret. */
export const UpdatePartnerSchema = z
  .strictObject({
    projection: PartnerProjectionSchema.optional(),
    disabled: z.boolean().optional(),
    rotateSecret: z.literal(true).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change', path: ['projection'] });
export type UpdatePartner = z.infer<typeof UpdatePartnerSchema>;

export const PartnerViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  projection: PartnerProjectionSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
/** With the credentials, once: `secret` for HTTP Basic (name:secret), `token` for Bearer. */
export const PartnerCreatedSchema = PartnerViewSchema.extend({ secret: z.string(), token: z.string() });
