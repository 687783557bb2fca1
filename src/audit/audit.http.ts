import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { PageSchema, TimeParamSchema } from 'src/platform/query.schemas';

/** GET /audit: newest first; `actor` is a username (or `system`), `action` e.g. `auth.login-failed`. */
export const AuditQuerySchema = z.strictObject({
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  actor: storableText().min(1).max(64).optional(),
  action: storableText().regex(/^[a-z0-9.-]{1,64}$/, 'lowercase letters, digits, . and - only').optional(),
  ...PageSchema,
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
