import { z } from 'zod';

/** A time as the API writes it: ISO 8601 in UTC with milliseconds. */
export const UtcTimeSchema = z.iso.datetime();

/** A page of a list, newest first unless the route says otherwise; `nextCursor` asks for the next one (null: the last page). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A whole list, unpaged. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}
