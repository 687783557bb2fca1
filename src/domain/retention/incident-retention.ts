const DAY_MS = 86_400_000;

/** What decides whether an incident may leave: its state, when it was resolved, whether a lead holds it. */
export interface IncidentRetentionState {
  status: 'open' | 'acknowledged' | 'resolved';
  resolvedAt: Date | null;
  legalHold: boolean;
}

/**
 * When an incident may leave, with its links, timeline and kept events: `days` after it was
 * resolved. Never (null) while it is open or acknowledged, while it is under legal hold, or
 * when resolved incidents are kept forever (`days` null). A reopened incident is open again:
 * its clock restarts when it is resolved again.
 */
export function incidentMayLeaveAt(incident: IncidentRetentionState, days: number | null): Date | null {
  if (days === null || incident.legalHold || incident.status !== 'resolved' || !incident.resolvedAt) return null;
  return new Date(incident.resolvedAt.getTime() + days * DAY_MS);
}

/** Whether the incident may leave at `now`. */
export function incidentMayLeave(incident: IncidentRetentionState, days: number | null, now: Date): boolean {
  const at = incidentMayLeaveAt(incident, days);
  return at !== null && at.getTime() <= now.getTime();
}

/**
 * The retention job's cut: incidents resolved before this time (and not held, and still
 * resolved when the job locks them) leave at `now`; null when resolved incidents are kept forever.
 * The same rule as incidentMayLeave, as the one bound the database applies.
 */
export function resolvedBefore(now: Date, days: number | null): Date | null {
  return days === null ? null : new Date(now.getTime() - days * DAY_MS);
}
