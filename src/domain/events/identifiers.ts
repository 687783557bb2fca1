import { z } from 'zod';

/** Site, gateway, sensor and zone identifiers (contract §1). Lowercase only: never normalised. */
export const IDENTIFIER_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const IdentifierSchema = z.string().regex(IDENTIFIER_PATTERN);

export function isIdentifier(value: string): boolean {
  return IDENTIFIER_PATTERN.test(value);
}
