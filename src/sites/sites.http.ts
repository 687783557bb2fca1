import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { IdentifierSchema } from 'src/domain/events/identifiers';

/** An IANA zone name the runtime knows (Africa/Lubumbashi, UTC, …). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const CreateSiteSchema = z.strictObject({
  id: IdentifierSchema,
  name: storableText().trim().min(1).max(200),
  timeZone: storableText().max(64).refine(isTimeZone, 'not an IANA time zone (e.g. Africa/Lubumbashi)'),
});

export const CreateGatewaySchema = z.strictObject({
  id: IdentifierSchema,
  requireSigned: z.boolean().default(false),
});
