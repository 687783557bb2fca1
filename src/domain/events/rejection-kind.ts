/**
 * Why a gateway message was rejected, as a closed set: the `reason` label of
 * `oreguard_events_rejected_total`. Each kind is set where the rejection is produced, never
 * read back from the reason's text, so no input can add a metric series.
 */
export const REJECTION_KINDS = [
  /** The topic fits no pattern or names a bad identifier. */
  'topic',
  /** The payload is over the 64 KiB limit. */
  'size',
  /** The payload is not valid UTF-8. */
  'encoding',
  /** Empty, not JSON, or JSON but not an object. */
  'json',
  /** A field the schema does not know (or a kind object that does not match `kind`). */
  'unknown_field',
  /** Any other failed field check. */
  'schema',
  /** A Remote ID message that cannot be decoded. */
  'remote_id',
  /** An event time too far in the future. */
  'future',
  /** An event time older than the maximum lateness (EVENT_MAX_LATENESS_DAYS). */
  'too_old',
  /** Text holding a NUL character, which PostgreSQL cannot store. */
  'nul',
  /** A missing or wrong `oreguard-sig` from a gateway that must sign. */
  'signature',
  /** A signed event replayed (an id seen with other bytes, or older than the allowed lateness). */
  'replay',
  /** From a site or gateway no admin registered, while INGEST_REQUIRE_REGISTERED is on. */
  'unregistered',
  /** PostgreSQL refused to store what passed every check. */
  'storage',
  /** The parser failed in a way it did not foresee (a bug). */
  'internal',
] as const;

export type RejectionKind = (typeof REJECTION_KINDS)[number];

/** A failed schema check's kind: an unknown field, or any other fault. */
export function schemaRejectionKind(error: { issues: readonly { code: string }[] }): 'unknown_field' | 'schema' {
  return error.issues[0]?.code === 'unrecognized_keys' ? 'unknown_field' : 'schema';
}
