import { z } from 'zod';

/** A NUL, or a UTF-16 surrogate not in a pair (`\uD800` alone), anywhere in a string. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain the NUL character or a lone UTF-16 surrogate';

/** Whether PostgreSQL can keep the text as text and as JSON (it refuses NUL, and lone surrogates in jsonb). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * The string type of every request field that holds text: what JSON and a query string can
 * carry but PostgreSQL cannot keep is a 400 naming the field, checked before any other rule.
 * Chain `.trim()`, `.min()`, `.max()`, `.regex()` on it as on `z.string()`.
 */
export function storableText() {
  return z.string().refine(isStorableText, { message: UNSTORABLE_TEXT_MESSAGE, abort: true });
}
