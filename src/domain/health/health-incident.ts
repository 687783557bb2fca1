import type { Severity } from '../events/canonical-event.schema';
import type { Incident } from '../incidents/incident';
import type { HealthSubject, HealthTransition } from './gateway-health';

export const SENSOR_HEALTH_RULE_ID = 'sensor-health';

/** One sensor-health incident per gateway or sensor at a time: its fold group. */
export function healthGroupKey(subject: HealthSubject): string {
  return `${SENSOR_HEALTH_RULE_ID}/${subject.type}/${subject.id}`;
}

/** "Sensor rf-mast-2 offline at kolwezi-1 (zones north-fence, tailings-east)". */
export function healthIncidentTitle(
  siteId: string,
  t: Pick<HealthTransition, 'subject' | 'to'>,
  zones: readonly string[],
): string {
  const who = t.subject.type === 'gateway' ? 'Gateway' : 'Sensor';
  const where = zones.length === 0 ? 'no zones known' : `zone${zones.length === 1 ? '' : 's'} ${zones.join(', ')}`;
  return `${who} ${t.subject.id} ${t.to} at ${siteId} (${where})`.slice(0, 200);
}

/** Why it is a tamper signal, in the words of the tamper event's description. */
export function tamperDescription(t: HealthTransition, zones: readonly string[]): string {
  const who = t.subject.type === 'gateway' ? `Gateway ${t.subject.id}` : `Sensor ${t.subject.id}`;
  const blind = zones.length ? `; zones it covers: ${zones.join(', ')}` : '';
  return `${who} went ${t.to} (${t.reason})${blind}`.slice(0, 1000);
}

/** A new sensor-health incident, opened by the tamper event of the transition. */
export function openHealthIncident(
  siteId: string,
  t: HealthTransition,
  zones: readonly string[],
  severity: Severity,
  ids: { id: string; now: Date },
): Incident {
  return {
    id: ids.id,
    siteId,
    groupKey: healthGroupKey(t.subject),
    title: healthIncidentTitle(siteId, t, zones),
    severity,
    status: 'open',
    kinds: ['theft'],
    ruleIds: [SENSOR_HEALTH_RULE_ID],
    zones: [...zones],
    eventCount: 1,
    firstSeenAt: t.at,
    lastSeenAt: t.at,
    openedAt: ids.now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: ids.now,
  };
}

/** The open incident, joined by another blinding change of its subject (fault → offline). */
export function joinHealthIncident(
  incident: Incident,
  t: HealthTransition,
  zones: readonly string[],
  now: Date,
): Incident {
  return {
    ...incident,
    eventCount: incident.eventCount + 1,
    firstSeenAt: t.at < incident.firstSeenAt ? t.at : incident.firstSeenAt,
    lastSeenAt: t.at > incident.lastSeenAt ? t.at : incident.lastSeenAt,
    zones: [...new Set([...incident.zones, ...zones])].sort(),
    updatedAt: now,
  };
}
