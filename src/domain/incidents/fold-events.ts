import { severityRank, type Kind, type Severity } from '../events/canonical-event.schema';
import type { Incident, IncidentChangeType } from './incident';

/** The part of a stored event that folding needs. */
export interface FoldableEvent {
  /** The event's storage id. */
  id: number;
  kind: Kind;
  occurredAt: Date;
  severity?: Severity;
  zone?: string;
  /** A few words on what the sensor saw, for the title (signature, theft category, …). */
  what?: string;
}

export interface FoldOptions {
  /** An event joins an incident whose events lie within this gap of its own time, in ms. */
  gapMs: number;
  now: Date;
  newId: () => string;
}

export interface IncidentChange {
  type: Extract<IncidentChangeType, 'opened' | 'updated' | 'escalated'>;
  incident: Incident;
  /** Severity before this fold; null for a new incident. */
  previousSeverity: Severity | null;
  eventIds: number[];
}

/** What a sensor's event weighs when the sensor gave no severity of its own. */
export const DEFAULT_SEVERITY: Record<Kind, Severity> = { drone: 'medium', cyber: 'medium', theft: 'high' };

const RULE_ID: Record<Kind, string> = { drone: 'drone-activity', cyber: 'cyber-activity', theft: 'theft-activity' };

/**
 * Folds a site's new events into its active incidents: an event joins the active incident of
 * its kind whose time span, widened by the gap, holds the event's time (event time, not
 * arrival); otherwise it opens a new one. Severity is the highest of the events.
 * Events are taken in event-time order so the result does not depend on arrival order
 * within one call. `active` holds the site's unresolved incidents near the events' times.
 */
export function foldEvents(
  siteId: string,
  active: readonly Incident[],
  events: readonly FoldableEvent[],
  options: FoldOptions,
): IncidentChange[] {
  const working = active.filter((i) => i.status !== 'resolved').map((i) => ({ ...i, zones: [...i.zones] }));
  const changes = new Map<string, IncidentChange>();
  const sorted = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id);

  for (const event of sorted) {
    const t = event.occurredAt.getTime();
    const severity = event.severity ?? DEFAULT_SEVERITY[event.kind];
    const target = nearest(working, event.kind, t, options.gapMs);
    if (!target) {
      const incident = openIncident(siteId, event, severity, options);
      working.push(incident);
      changes.set(incident.id, { type: 'opened', incident, previousSeverity: null, eventIds: [event.id] });
      continue;
    }
    let change = changes.get(target.id);
    if (!change) {
      change = { type: 'updated', incident: target, previousSeverity: target.severity, eventIds: [] };
      changes.set(target.id, change);
    }
    change.eventIds.push(event.id);
    target.eventCount += 1;
    if (t < target.firstSeenAt.getTime()) target.firstSeenAt = event.occurredAt;
    if (t > target.lastSeenAt.getTime()) target.lastSeenAt = event.occurredAt;
    if (severityRank(severity) > severityRank(target.severity)) target.severity = severity;
    if (event.zone && !target.zones.includes(event.zone)) target.zones.push(event.zone);
    target.updatedAt = options.now;
  }

  for (const change of changes.values()) {
    if (
      change.previousSeverity !== null &&
      severityRank(change.incident.severity) > severityRank(change.previousSeverity)
    ) {
      change.type = 'escalated';
    }
  }
  return [...changes.values()];
}

function nearest(incidents: readonly Incident[], kind: Kind, t: number, gapMs: number): Incident | undefined {
  let best: Incident | undefined;
  let bestDistance = Infinity;
  for (const incident of incidents) {
    if (incident.groupKey !== kind || incident.status === 'resolved') continue;
    const first = incident.firstSeenAt.getTime();
    const last = incident.lastSeenAt.getTime();
    const distance = t < first ? first - t : t > last ? t - last : 0;
    if (distance > gapMs) continue;
    if (distance < bestDistance || (distance === bestDistance && best && incident.openedAt < best.openedAt)) {
      best = incident;
      bestDistance = distance;
    }
  }
  return best;
}

function openIncident(siteId: string, event: FoldableEvent, severity: Severity, options: FoldOptions): Incident {
  return {
    id: options.newId(),
    siteId,
    groupKey: event.kind,
    title: incidentTitle(siteId, event),
    severity,
    status: 'open',
    kinds: [event.kind],
    ruleIds: [RULE_ID[event.kind]],
    zones: event.zone ? [event.zone] : [],
    eventCount: 1,
    firstSeenAt: event.occurredAt,
    lastSeenAt: event.occurredAt,
    openedAt: options.now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: options.now,
  };
}

const KIND_TITLE: Record<Kind, string> = {
  drone: 'Drone activity',
  cyber: 'Cyber activity',
  theft: 'Theft activity',
};

/** "Drone activity at kolwezi-1, tailings-east", "Cyber activity at tarkwa-2: ET SCAN Nmap". */
export function incidentTitle(siteId: string, event: FoldableEvent): string {
  const where = event.zone ? `${siteId}, ${event.zone}` : siteId;
  const what = event.what ? `: ${event.what}` : '';
  return `${KIND_TITLE[event.kind]} at ${where}${what}`.slice(0, 200);
}
