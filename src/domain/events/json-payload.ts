import { describeValue } from './describe-value';
import type { RejectionKind } from './rejection-kind';

export type JsonObjectResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; kind: Extract<RejectionKind, 'json' | 'encoding'>; reason: string };

/**
 * Payload bytes to a JSON object: strict UTF-8 (a leading BOM is dropped), then JSON.parse.
 * JSON.parse makes `__proto__` an own property (it never sets the prototype), which the strict
 * schemas then report as an unknown field.
 */
export function decodeJsonObject(payload: Uint8Array): JsonObjectResult {
  if (payload.byteLength === 0)
    return { ok: false, kind: 'json', reason: 'payload: is empty (expected a JSON object)' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { ok: false, kind: 'encoding', reason: 'payload: is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'json', reason: `payload: invalid JSON (${message.slice(0, 200)})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, kind: 'json', reason: `payload: must be a JSON object (got ${describeValue(value)})` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
