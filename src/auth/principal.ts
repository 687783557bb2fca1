export type Role = 'operator' | 'lead' | 'admin';

/** Who is calling: taken from a verified token and the user's current account. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** The sites an operator is assigned; leads and admins see every site. */
  siteIds: readonly string[];
}

export function seesAllSites(principal: Principal): boolean {
  return principal.role === 'lead' || principal.role === 'admin';
}

export function canSeeSite(principal: Principal, siteId: string): boolean {
  return seesAllSites(principal) || principal.siteIds.includes(siteId);
}
