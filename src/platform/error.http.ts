import { z } from 'zod';
import type { ResponseContract } from './route-contract';

/** Every error answer of the REST API (HttpErrorFilter writes it). */
export const ErrorSchema = z
  .object({
    statusCode: z.int().min(400).max(599),
    error: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({
    id: 'Error',
    description:
      'Every error. A 400 names the field first in message (`text: must not contain the NUL character or a lone UTF-16 surrogate`); ' +
      'text fields refuse NUL and lone surrogates, cursors are accepted only as issued',
  });

/** An error response particular to a route (404, 409…), in the shape of every error. */
export function errorResponse(description: string): ResponseContract {
  return { description, schema: ErrorSchema };
}
