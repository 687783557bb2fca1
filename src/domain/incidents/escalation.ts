import { SEVERITIES, severityRank, type Severity } from '../events/canonical-event.schema';
import type { IncidentStatus } from './incident';
import { formatLimit, type EscalationLimits } from './escalation-limits';

/** What the escalation rule needs to know of an incident. */
export interface EscalationSubject {
  severity: Severity;
  status: IncidentStatus;
  openedAt: Date;
  /** When it was last reopened; null if never. */
  reopenedAt: Date | null;
  /** When it was last escalated for want of an acknowledgement; null if never. */
  escalatedAt: Date | null;
}

export type EscalationDecision =
  | { escalate: false }
  | {
      escalate: true;
      from: Severity;
      to: Severity;
      /** True for a critical incident: it cannot rise, so operators are told again instead. */
      renotify: boolean;
      /** How long it had waited, and the limit it passed, in ms. */
      waitedMs: number;
      limitMs: number;
      /** A sentence for the timeline: why it escalated. */
      reason: string;
    };

/**
 * When the incident's current wait for an acknowledgement began: its opening, or later its
 * last reopening or escalation (each escalation restarts the clock, so the next severity gets
 * its own full limit). Wall-clock time, not event time: escalation measures how long operators
 * have left it unanswered, whatever the sensors' clocks said.
 */
export function escalationClockStart(subject: EscalationSubject): Date {
  let start = subject.openedAt;
  for (const t of [subject.reopenedAt, subject.escalatedAt]) if (t && t > start) start = t;
  return start;
}

/**
 * Whether an incident left unacknowledged escalates now, and to what: one severity up once it
 * has waited its severity's limit. Acknowledged and resolved incidents never escalate. A
 * critical incident cannot rise: it is re-announced (same severity) once per limit instead,
 * because an unanswered critical incident is exactly the one that must not go quiet.
 */
export function decideEscalation(subject: EscalationSubject, limits: EscalationLimits, now: Date): EscalationDecision {
  if (subject.status !== 'open') return { escalate: false };
  const limitMs = limits[subject.severity];
  if (limitMs === null) return { escalate: false };
  const waitedMs = now.getTime() - escalationClockStart(subject).getTime();
  if (waitedMs < limitMs) return { escalate: false };
  const rank = severityRank(subject.severity);
  const to = SEVERITIES[Math.min(rank + 1, SEVERITIES.length - 1)];
  const renotify = to === subject.severity;
  const limit = formatLimit(limitMs);
  return {
    escalate: true,
    from: subject.severity,
    to,
    renotify,
    waitedMs,
    limitMs,
    reason: renotify
      ? `critical and still not acknowledged within ${limit}, its limit: announced again`
      : `not acknowledged within ${limit}, the limit for ${subject.severity}`,
  };
}
