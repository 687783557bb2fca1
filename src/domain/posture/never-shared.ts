/**
 * Property names that carry a site's threat posture wherever OreGuard writes them: the
 * incident's `postureAtOpen`, an escalation's `details.posture`, the posture views' own
 * fields. Posture never leaves the company (it would tell an adversary when a site is on
 * guard, as published schemes warn): exports strip these, and any outbound check (partner
 * sharing) must refuse a document holding one of them.
 */
export const NEVER_SHARED_POSTURE_FIELDS = [
  'postureAtOpen',
  'posture',
  'floor',
  'floorEntry',
  'pendingLowering',
] as const;

/** A copy of the object without the posture fields (top level). */
export function withoutPosture<T extends object>(value: T): Omit<T, (typeof NEVER_SHARED_POSTURE_FIELDS)[number]> {
  const copy = { ...value } as Record<string, unknown>;
  for (const field of NEVER_SHARED_POSTURE_FIELDS) delete copy[field];
  return copy as Omit<T, (typeof NEVER_SHARED_POSTURE_FIELDS)[number]>;
}
