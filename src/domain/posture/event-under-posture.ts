import type { Kind, Severity } from '../events/canonical-event.schema';
import { DEFAULT_SEVERITY } from '../incidents/fold-events';
import { postureSeverity } from './apply-profile';
import { levelAt, type SitePostureHistory } from './posture-at';
import type { PostureProfiles } from './posture-profile';

export interface EventUnderPosture {
  /** The severity the event folds with: its own (or its kind's default), raised by the profile; unchanged when nothing applies. */
  severity: Severity | undefined;
  /** Whether silences and authorized drones hold nothing back for it. */
  silencesSuspended: boolean;
}

/**
 * How the posture in force at an event's own time (never the time it is folded) changes the
 * way it is folded, so a replay or a backtest of the same events and history judges them the
 * same way.
 */
export function eventUnderPosture(
  history: SitePostureHistory | undefined,
  profiles: PostureProfiles,
  event: { kind: Kind; zone?: string; severity?: Severity; occurredAt: Date },
): EventUnderPosture {
  if (!history) return { severity: event.severity, silencesSuspended: false };
  const profile = profiles[levelAt(history, event.occurredAt)];
  const base = event.severity ?? DEFAULT_SEVERITY[event.kind];
  const raised = postureSeverity({ kind: event.kind, zone: event.zone, severity: base }, profile);
  return { severity: raised === base ? event.severity : raised, silencesSuspended: profile.suspendSilences };
}
