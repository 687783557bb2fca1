import type { PostureLevel, PostureSource, PostureView } from './types';

/** `normal` < `elevated` < `high` < `exceptional`, as OreGuard orders them. */
export const POSTURE_RANK: Record<PostureLevel, number> = { normal: 0, elevated: 1, high: 2, exceptional: 3 };

/** What the board says of a site's posture: the level in force and where it comes from. */
export interface PostureLine {
  level: PostureLevel;
  raised: boolean;
  /** `fpcon bravo`, `isps 2`: the scheme and its value, when the level came from one. */
  scheme: string | null;
  reason: string | null;
  expiresAt: string | null;
  /** The region (or `company`) whose floor holds the site at this level, when its own level is lower. */
  floorScope: string | null;
}

const schemeText = (source: PostureSource | null): string | null =>
  source ? `${source.scheme} ${source.value}${source.ref ? ` (${source.ref})` : ''}` : null;

/**
 * The level in force and what set it: the floor, when it is above the site's own level (a
 * floor's expiry is not shown: it is a standing minimum unless an admin gave one), otherwise
 * the site's own entry.
 */
export function postureLine(posture: PostureView): PostureLine {
  const byFloor = posture.floorEntry !== null && POSTURE_RANK[posture.floor] > POSTURE_RANK[posture.own];
  return {
    level: posture.level,
    raised: posture.level !== 'normal',
    scheme: schemeText(byFloor ? posture.floorEntry!.source : posture.source),
    reason: byFloor ? posture.floorEntry!.reason : posture.reason,
    expiresAt: byFloor ? null : posture.expiresAt,
    floorScope: byFloor ? posture.floorEntry!.scope : null,
  };
}

/**
 * The change the site's operators have not acknowledged yet, if any. One operator's
 * acknowledgement stands for the site (it is what stops the escalation to the leads), so the
 * request clears on every console of the site.
 */
export function awaitingAcknowledgement(posture: PostureView): string | null {
  return posture.change && posture.change.acknowledgedAt === null ? posture.change.changeId : null;
}

/** A lowering waiting for a second lead that this user may approve (not the lead who asked for it). */
export function approvableLowering(
  posture: PostureView,
  role: string | undefined,
  username: string,
): PostureView['pendingLowering'] {
  const lowering = posture.pendingLowering;
  if (!lowering || (role !== 'lead' && role !== 'admin')) return null;
  return lowering.requestedBy === username ? null : lowering;
}

/** Whether the site needs a line of its own on the board (otherwise it is listed among the normal ones). */
export function needsAttention(posture: PostureView): boolean {
  return posture.level !== 'normal' || awaitingAcknowledgement(posture) !== null || posture.pendingLowering !== null;
}

/** Sites most raised first, then by id. */
export function byPosture(a: PostureView, b: PostureView): number {
  return POSTURE_RANK[b.level] - POSTURE_RANK[a.level] || a.siteId.localeCompare(b.siteId);
}
