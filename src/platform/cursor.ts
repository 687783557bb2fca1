import { ApplicationError } from './application-error';

/** Keyset pagination: a cursor is the (time, id) of the last item of the previous page. */
export function encodeCursor(at: Date, id: string | number): string {
  return Buffer.from(JSON.stringify([at.toISOString(), String(id)])).toString('base64url');
}

/**
 * One page of a keyset list fetched with `LIMIT limit + 1`: the first `limit` rows, and a cursor
 * after the last of them only when the extra row shows there is more.
 */
export function keysetPage<Row>(
  rows: readonly Row[],
  limit: number,
  cursorOf: (row: Row) => [at: Date, id: string | number],
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(...cursorOf(last)) : null };
}

/** The id column a cursor pages through: a UUID, or a positive bigint. */
export type CursorIdType = 'uuid' | 'bigint';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BIGINT = /^[0-9]{1,19}$/;
const MAX_BIGINT = 2n ** 63n - 1n;
/** Times OreGuard stores lie well inside these; PostgreSQL refuses some times JavaScript can hold. */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function isId(id: unknown, idType: CursorIdType): id is string {
  if (typeof id !== 'string') return false;
  if (idType === 'uuid') return UUID.test(id);
  return BIGINT.test(id) && BigInt(id) <= MAX_BIGINT;
}

/**
 * A cursor this API returned, for a list whose ids are `idType`; anything else, even a cursor
 * that decodes, is a 400 naming the field rather than a query PostgreSQL refuses.
 */
export function decodeCursor(cursor: string, idType: CursorIdType): { at: Date; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [at, id] = decoded as unknown[];
    const date = typeof at === 'string' ? new Date(at) : undefined;
    const time = date?.getTime() ?? NaN;
    if (date && time >= EARLIEST && time <= LATEST && isId(id, idType)) return { at: date, id };
  }
  throw new ApplicationError('request.invalid', 'cursor: is not a cursor this API returned');
}
