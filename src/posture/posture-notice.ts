import { canSeeSite, seesAllSites, type Principal } from 'src/auth/principal';
import type { Queryable } from 'src/database/db';

/** The PostgreSQL channel every instance's live dispatcher listens on for posture changes. */
export const POSTURE_CHANNEL = 'oreguard_posture';

/**
 * What happened to a site's posture, as the `posture` event of /live names it. `unacknowledged`
 * goes to leads and admins only (the site's operators are the ones who did not answer).
 */
export type PostureNoticeType =
  'changed' | 'expired' | 'floor-changed' | 'lowering-requested' | 'acknowledged' | 'unacknowledged';

export interface PostureNotice {
  siteId: string;
  type: PostureNoticeType;
}

/** Announces on commit that a site's posture changed; each instance then reads it and tells its sockets. */
export async function announcePosture(tx: Queryable, notices: readonly PostureNotice[]): Promise<void> {
  for (const notice of notices) await tx.query('SELECT pg_notify($1, $2)', [POSTURE_CHANNEL, JSON.stringify(notice)]);
}

/**
 * Who receives a notice on /live: whoever may see the site (an operator of another site never
 * learns anything of it), except `unacknowledged`, which chases the leads and admins.
 */
export function receivesPostureNotice(principal: Principal, notice: PostureNotice): boolean {
  if (notice.type === 'unacknowledged') return seesAllSites(principal);
  return canSeeSite(principal, notice.siteId);
}
