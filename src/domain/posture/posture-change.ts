import { z } from 'zod';
import { storableText } from '../storable-text';
import { PostureLevelSchema, postureRank, type PostureLevel } from './posture-level';
import { levelOfSource, PostureSourceSchema } from './posture-source';

const InstantSchema = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

/**
 * What a lead asks for (PUT /sites/{id}/posture), and what an admin sets as a floor. The level
 * must be the one its source stands for (FPCON bravo is `high`). Every level above `normal`
 * expires: a raise without `expiresAt` is refused, so no site stays guarded because someone
 * forgot it (the way NTAS alerts sunset). `normal` is where an expiry returns, so it has none.
 */
export const PostureChangeSpecSchema = z
  .strictObject({
    level: PostureLevelSchema,
    reason: storableText().trim().min(1).max(2000),
    source: PostureSourceSchema,
    expiresAt: InstantSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const sourced = levelOfSource(s.source);
    if (sourced !== s.level) {
      ctx.addIssue({
        code: 'custom',
        path: ['level'],
        message: `${s.source.scheme} ${s.source.value} is ${sourced}, not ${s.level}`,
        input: s.level,
      });
    }
    if (s.level !== 'normal' && !s.expiresAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['expiresAt'],
        message: `required: a ${s.level} posture must expire`,
        input: s.expiresAt,
      });
    }
    if (s.level === 'normal' && s.expiresAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['expiresAt'],
        message: 'normal does not expire; leave it out',
        input: s.expiresAt,
      });
    }
  });
export type PostureChangeSpec = z.infer<typeof PostureChangeSpecSchema>;

export type ChangeDecision =
  | { ok: true; action: 'apply' }
  /** A lowering: it waits for a second lead's approval. */
  | { ok: true; action: 'await-approval' }
  | { ok: false; error: 'expiry-past' | 'below-floor'; message: string };

/**
 * What a requested change does, given the level the site's leads set (`own`, in force now) and
 * the floor over it now. Below the floor: refused (an admin's minimum, as a combatant
 * command's FPCON: a site may go higher, never lower). Lower than the site's own level: it
 * waits for another lead. Otherwise (a raise, a renewal) it applies at once.
 */
export function decideChange(
  spec: PostureChangeSpec,
  state: { own: PostureLevel; floor: PostureLevel },
  now: Date,
): ChangeDecision {
  if (spec.expiresAt && spec.expiresAt <= now)
    return { ok: false, error: 'expiry-past', message: 'expiresAt: must be in the future' };
  if (postureRank(spec.level) < postureRank(state.floor)) {
    return {
      ok: false,
      error: 'below-floor',
      message: `level: ${spec.level} is below the floor of ${state.floor} set for this site`,
    };
  }
  if (postureRank(spec.level) < postureRank(state.own)) return { ok: true, action: 'await-approval' };
  return { ok: true, action: 'apply' };
}

/** A lowering waiting for a second lead. */
export interface PendingLowering {
  id: string;
  siteId: string;
  level: PostureLevel;
  expiresAt: Date | null;
  requestedById: string;
  status: 'pending' | 'approved' | 'superseded';
}

export type ApprovalDecision =
  { ok: true } | { ok: false; error: 'own-request' | 'not-pending' | 'below-floor' | 'expiry-past'; message: string };

/**
 * Whether `approverId` may approve the lowering now: another lead than the one who asked
 * (two people, so one person alone can never stand a site down), while it is still pending,
 * and only if it is still above the floor and not past its own expiry.
 */
export function decideApproval(
  pending: PendingLowering,
  approverId: string,
  floor: PostureLevel,
  now: Date,
): ApprovalDecision {
  if (pending.status !== 'pending')
    return { ok: false, error: 'not-pending', message: `this lowering is ${pending.status}, no longer pending` };
  if (pending.requestedById === approverId) {
    return {
      ok: false,
      error: 'own-request',
      message: 'a lowering needs a second lead: the one who asked for it cannot approve it',
    };
  }
  if (postureRank(pending.level) < postureRank(floor)) {
    return { ok: false, error: 'below-floor', message: `${pending.level} is below the floor of ${floor} set since` };
  }
  if (pending.expiresAt && pending.expiresAt <= now)
    return { ok: false, error: 'expiry-past', message: 'its expiresAt has passed; ask again' };
  return { ok: true };
}
