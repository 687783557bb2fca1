import { SEVERITIES, type Kind, type Severity } from '../events/canonical-event.schema';
import { raiseSeverity } from '../correlation/severity';
import type { EscalationLimits } from '../incidents/escalation-limits';
import { levelAt, type SitePostureHistory } from './posture-at';
import type { PostureProfile, PostureProfiles } from './posture-profile';

/**
 * The pieces of a posture profile, each applied where its setting is used: escalation asks
 * with the posture now, correlation and backtests with the posture at each event's time.
 */

/** The escalation limits under a profile: each severity's the shorter of the configured and the profile's. */
export function postureEscalationLimits(base: EscalationLimits, profile: PostureProfile): EscalationLimits {
  const tighter = profile.escalateAfter;
  if (!tighter) return base;
  return Object.fromEntries(
    SEVERITIES.map((s) => {
      const a = base[s];
      const b = tighter[s];
      return [s, a === null ? b : b === null ? a : Math.min(a, b)];
    }),
  ) as Record<Severity, number | null>;
}

/** An event's severity under a profile: raised by the largest bump whose kinds and zones it matches. */
export function postureSeverity(
  event: { kind: Kind; zone?: string | null; severity: Severity },
  profile: PostureProfile,
): Severity {
  let raise = 0;
  for (const bump of profile.severity) {
    if (bump.kinds && !bump.kinds.includes(event.kind)) continue;
    if (bump.zones && (!event.zone || !bump.zones.includes(event.zone))) continue;
    raise = Math.max(raise, bump.raise);
  }
  return raise === 0 ? event.severity : raiseSeverity(event.severity, raise);
}

export interface CountBounds {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
}

/**
 * A rule's count condition under a profile: lower bounds (`gte`, `gt`) multiplied by the count
 * factor, rounded up and never below what one event can meet; upper bounds and `eq` are left
 * alone (lowering them would make a rule that fires on few events fire less).
 */
export function postureCountBounds(bounds: CountBounds, profile: PostureProfile): CountBounds {
  const f = profile.rules.countFactor;
  if (f === 1) return bounds;
  return {
    ...bounds,
    ...(bounds.gte !== undefined ? { gte: Math.max(1, Math.ceil(bounds.gte * f)) } : {}),
    ...(bounds.gt !== undefined ? { gt: Math.max(0, Math.ceil(bounds.gt * f)) } : {}),
  };
}

/** A rule's time window under a profile: longer, so slower activity still adds up. */
export function postureTimespanMs(timespanMs: number, profile: PostureProfile): number {
  return Math.round(timespanMs * profile.rules.timespanFactor);
}

/** Whether silences hold anything back under a profile. */
export function silencesSuspended(profile: PostureProfile): boolean {
  return profile.suspendSilences;
}

/**
 * What material reconciliation multiplies a finding's tolerance by at a time: the
 * reconciliation factor of the posture in force at the site then (1 for a site never raised),
 * so a raise tightens what happens under it, and never what came before.
 */
export function reconciliationFactorAt(
  history: SitePostureHistory | undefined,
  profiles: PostureProfiles,
): (at: Date) => number {
  if (!history) return () => 1;
  return (at) => profiles[levelAt(history, at)].reconciliationFactor;
}
