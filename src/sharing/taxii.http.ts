import { z } from 'zod';
import { TaxiiTimestampSchema } from 'src/domain/sharing/stix.schema';

/** TAXII 2.1 media types. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(item).min(1));

const stixTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, 'a UTC timestamp (…Z)');

/**
 * The filters of GET …/objects/ and …/manifest/ (TAXII 2.1 §3.4): `added_after` (exclusive, on
 * date_added), `limit`, the opaque `next` of the previous page, and match[id|type|version|spec_version].
 */
export const TaxiiObjectsQuerySchema = z.strictObject({
  added_after: stixTime.optional(),
  limit: z.coerce.number().int().min(1).optional(),
  next: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'the next value of a previous page')
    .optional(),
  'match[id]': list(z.string().regex(/^[a-z0-9-]+--[0-9a-f-]{36}$/, 'STIX ids')).optional(),
  'match[type]': list(z.string().regex(/^[a-z0-9-]+$/, 'STIX types')).optional(),
  'match[version]': list(z.union([z.enum(['last', 'first', 'all']), stixTime])).optional(),
  'match[spec_version]': list(z.string().regex(/^\d\.\d$/, 'spec versions like 2.1')).optional(),
});
export type TaxiiObjectsQuery = z.infer<typeof TaxiiObjectsQuerySchema>;

/** GET …/objects/{id}/ and …/versions/: the same, less match[id] and match[type]. */
export const TaxiiObjectQuerySchema = TaxiiObjectsQuerySchema.omit({ 'match[id]': true, 'match[type]': true });

export const TaxiiEnvelopeSchema = z.object({
  more: z.boolean(),
  next: z.string().optional(),
  objects: z.array(z.record(z.string(), z.unknown())).optional(),
});
export const TaxiiManifestSchema = z.object({
  more: z.boolean(),
  next: z.string().optional(),
  objects: z
    .array(z.object({ id: z.string(), date_added: TaxiiTimestampSchema, version: z.string(), media_type: z.string() }))
    .optional(),
});

/** `next` encodes the date_added (microseconds) of the last row of a page. */
export function encodeNext(dateAdded: string): string {
  return Buffer.from(dateAdded, 'utf8').toString('base64url');
}
export function decodeNext(next: string): string | undefined {
  const text = Buffer.from(next, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(text) ? text : undefined;
}

/** A STIX timestamp with exactly six fraction digits, as TAXII wants them. */
export function microseconds(stixTime: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(stixTime);
  if (!m) return stixTime;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}
