import { canSeeSite, type Principal } from 'src/auth/principal';
import type { Queryable } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';

interface RetiredRow {
  site_id: string;
  resolved_at: Date;
  retired_at: Date;
}

async function retired(db: Queryable, id: string): Promise<RetiredRow | undefined> {
  const { rows } = await db.query<RetiredRow>(
    'SELECT site_id, resolved_at, retired_at FROM retired_incidents WHERE id = $1',
    [id],
  );
  return rows[0];
}

/**
 * The answer for an incident id with no incident: 410 `incident.gone` when retention retired
 * it (its tombstone, migration 1765120000000) and the caller may see its site; otherwise 404,
 * as for an incident that never existed or is another site's.
 */
export async function missingIncident(db: Queryable, principal: Principal, id: string): Promise<ApplicationError> {
  const gone = await retired(db, id);
  if (gone && canSeeSite(principal, gone.site_id)) {
    return new ApplicationError(
      'incident.gone',
      `Incident ${id} was resolved ${gone.resolved_at.toISOString()} and retired by retention ${gone.retired_at.toISOString()} (archived)`,
      { incidentId: id, resolvedAt: gone.resolved_at.toISOString(), retiredAt: gone.retired_at.toISOString() },
    );
  }
  return new ApplicationError('incident.not-found', `Incident ${id} not found`);
}

/**
 * Refuses a page cursor positioned on an incident retention retired: 410 `cursor.gone`, as a
 * cursor into dropped partitions is, rather than a page that silently starts elsewhere.
 */
export async function refuseRetiredCursor(db: Queryable, cursor: { at: Date; id: string } | undefined): Promise<void> {
  if (!cursor) return;
  const gone = await retired(db, cursor.id);
  if (gone) {
    throw new ApplicationError(
      'cursor.gone',
      `cursor: points at incident ${cursor.id}, retired by retention ${gone.retired_at.toISOString()}; list again from the start`,
      { field: 'cursor', cursorAt: cursor.at.toISOString(), retiredAt: gone.retired_at.toISOString() },
    );
  }
}
