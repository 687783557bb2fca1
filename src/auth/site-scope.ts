import { ApplicationError } from 'src/platform/application-error';
import type { SqlFilter } from 'src/platform/sql-filter';
import { canSeeSite, seesAllSites, type Principal } from './principal';

/**
 * Restricts a query to the caller's sites: asking for a site one may not see is a 403;
 * an operator's unfiltered list covers their assigned sites only.
 */
export function scopeToSites(
  filter: SqlFilter,
  column: string,
  principal: Principal,
  siteId: string | undefined,
): void {
  if (siteId !== undefined) {
    if (!canSeeSite(principal, siteId)) throw new ApplicationError('site.forbidden', `siteId: not one of your sites`);
    filter.add(`${column} = ?`, siteId);
  } else if (!seesAllSites(principal)) {
    filter.add(`${column} = ANY(?)`, principal.siteIds);
  }
}

export function requireLead(principal: Principal): void {
  if (!seesAllSites(principal))
    throw new ApplicationError('auth.forbidden', 'Only security leads and admins may do this');
}
