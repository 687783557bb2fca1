import { severityRank, type Kind, type Severity } from '../events/canonical-event.schema';
import type { Incident } from '../incidents/incident';
import type { MatchUpdate } from './correlation-engine';
import { maxSeverity } from './severity';

/** What matching needs of an event a rule names: its kind, zone, and the incident folding put it in. */
export interface MatchedEvent {
  /** The stored id, as the engine keys events. */
  key: string;
  kind?: Kind;
  zone?: string;
  /** The unresolved incident (of its kind or drone track) the event was folded into, if any. */
  baseIncidentId?: string;
}

export interface MatchFoldOptions {
  /** A match joins the rule's incident of the same group whose span, widened by this gap, meets its own. */
  gapMs: number;
  now: Date;
  newId: () => string;
}

/** What applying matches does to one incident. */
export interface MatchChange {
  type: 'opened' | 'updated' | 'escalated';
  incident: Incident;
  /** Severity before; null for a new incident. */
  previousSeverity: Severity | null;
  /** Events to link to the incident (already linked ones are skipped by the store). */
  eventIds: number[];
  /**
   * Every event of the matches behind the change, linked now or already in the incident (an
   * escalation links none): the newest of them is the one the change is news of.
   */
  matchedEventIds: number[];
  /** Timeline entries, in order: which rule fired, on which events, and why. */
  entries: { action: string; details: object }[];
}

/** Events named in one timeline entry at most; eventCount is always exact. */
const EVENT_IDS_SHOWN = 1000;

/**
 * Turns a site's rule matches into incident changes. A match either escalates or opens:
 *
 * 1. If the rule already has an incident for the same group (its group-by values) whose span,
 *    widened by the gap, meets the match, the match joins it: a storm of matches is one incident.
 * 2. Otherwise, if every event of the match lies in one unresolved incident (the storm of its
 *    kind, or one drone's track), that incident is escalated: it takes the rule's id, its
 *    severity rises to the rule's, and its title names the rule.
 * 3. Otherwise (the events lie in several incidents, as a drone and a fence breach do) the
 *    match opens an incident of its own, with the rule's title and severity, linking them all.
 *
 * Each is written on the incident's timeline with the rule, the reason and the events. The
 * result depends only on the updates, the events and the incidents given, so it is the same
 * whichever instance applies it. `incidents` holds the site's unresolved incidents that the
 * events lie in and the rule incidents of the matched groups.
 */
export function foldMatches(
  siteId: string,
  incidents: readonly Incident[],
  updates: readonly MatchUpdate[],
  events: ReadonlyMap<string, MatchedEvent>,
  options: MatchFoldOptions,
): MatchChange[] {
  const working = new Map(
    incidents
      .filter((i) => i.status !== 'resolved')
      .map((i) => [i.id, { ...i, zones: [...i.zones], kinds: [...i.kinds], ruleIds: [...i.ruleIds] }]),
  );
  const changes = new Map<string, MatchChange>();
  const changeOf = (incident: Incident): MatchChange => {
    let change = changes.get(incident.id);
    if (!change) {
      change = {
        type: 'updated',
        incident,
        previousSeverity: incident.severity,
        eventIds: [],
        matchedEventIds: [],
        entries: [],
      };
      changes.set(incident.id, change);
    }
    return change;
  };

  for (const u of updates) {
    if (u.siteId !== siteId || u.newEventKeys.length === 0) continue;
    const matched = u.newEventKeys.map((key): MatchedEvent => events.get(key) ?? { key });
    const eventIds = matched.map((e) => Number(e.key));
    const groupKey = ruleGroupKey(u.ruleId, u.group);
    const summary: MatchSummary = {
      ruleId: u.ruleId,
      reason: u.reason,
      group: u.group,
      eventIds: eventIds.slice(0, EVENT_IDS_SHOWN),
      eventCount: eventIds.length,
    };

    const own = nearestRuleIncident(
      [...working.values()],
      groupKey,
      u.firstAt.getTime(),
      u.lastAt.getTime(),
      options.gapMs,
    );
    if (own) {
      const change = changeOf(own);
      change.eventIds.push(...eventIds);
      change.matchedEventIds.push(...eventIds);
      own.eventCount += eventIds.length;
      widen(own, u, matched);
      own.updatedAt = options.now;
      joinEntry(change, summary);
      continue;
    }

    const bases = new Set(matched.map((e) => e.baseIncidentId));
    const base = bases.size === 1 ? working.get([...bases][0] ?? '') : undefined;
    if (base && !isRuleIncident(base)) {
      const firstTime = !base.ruleIds.includes(u.ruleId);
      const severity = maxSeverity(base.severity, u.severity);
      if (!firstTime && severity === base.severity) continue; // the rule already escalated it: nothing new
      const change = changeOf(base);
      change.matchedEventIds.push(...eventIds);
      if (firstTime) {
        base.ruleIds.push(u.ruleId);
        base.title = `${u.title}: ${base.title}`.slice(0, 200);
      }
      const from = base.severity;
      base.severity = severity;
      base.updatedAt = options.now;
      change.entries.push({
        action: 'rule-matched',
        details: { ...summary, ...(from !== severity && { severity: { from, to: severity } }) },
      });
      continue;
    }

    const incident = openRuleIncident(siteId, groupKey, u, matched, options);
    working.set(incident.id, incident);
    changes.set(incident.id, {
      type: 'opened',
      incident,
      previousSeverity: null,
      eventIds,
      matchedEventIds: [...eventIds],
      entries: [{ action: 'rule-matched', details: summary }],
    });
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

type MatchSummary = {
  ruleId: string;
  reason: string;
  group: Readonly<Record<string, string>>;
  eventIds: number[];
  eventCount: number;
};

/** One "events-joined" entry per rule and incident in a fold, however many updates it took. */
function joinEntry(change: MatchChange, summary: MatchSummary): void {
  const last = change.entries.at(-1);
  const details = last?.details as MatchSummary | undefined;
  if (last?.action !== 'events-joined' || details?.ruleId !== summary.ruleId) {
    change.entries.push({ action: 'events-joined', details: summary });
    return;
  }
  const eventIds = [...details.eventIds, ...summary.eventIds].slice(0, EVENT_IDS_SHOWN);
  last.details = { ...summary, eventIds, eventCount: details.eventCount + summary.eventCount };
}

/** "rule:<rule id>:<group-by name>=<value>…": a rule's incidents, one group apart from another's. */
export function ruleGroupKey(ruleId: string, group: Readonly<Record<string, string>>): string {
  const values = Object.keys(group)
    .sort()
    .map((name) => `${name}=${group[name]}`);
  return ['rule', ruleId, ...values].join(':').slice(0, 300);
}

export function isRuleIncident(incident: Pick<Incident, 'groupKey'>): boolean {
  return incident.groupKey.startsWith('rule:');
}

function nearestRuleIncident(
  incidents: readonly Incident[],
  groupKey: string,
  from: number,
  to: number,
  gapMs: number,
): Incident | undefined {
  let best: Incident | undefined;
  let bestDistance = Infinity;
  for (const i of incidents) {
    if (i.groupKey !== groupKey || i.status === 'resolved') continue;
    const first = i.firstSeenAt.getTime();
    const last = i.lastSeenAt.getTime();
    const distance = to < first ? first - to : from > last ? from - last : 0;
    if (distance <= gapMs && distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

function widen(incident: Incident, u: MatchUpdate, matched: readonly MatchedEvent[]): void {
  if (u.firstAt < incident.firstSeenAt) incident.firstSeenAt = u.firstAt;
  if (u.lastAt > incident.lastSeenAt) incident.lastSeenAt = u.lastAt;
  incident.severity = maxSeverity(incident.severity, u.severity);
  for (const e of matched) {
    if (e.kind && !incident.kinds.includes(e.kind)) incident.kinds.push(e.kind);
    if (e.zone && !incident.zones.includes(e.zone)) incident.zones.push(e.zone);
  }
}

function openRuleIncident(
  siteId: string,
  groupKey: string,
  u: MatchUpdate,
  matched: readonly MatchedEvent[],
  options: MatchFoldOptions,
): Incident {
  const incident: Incident = {
    id: options.newId(),
    siteId,
    groupKey,
    title: ruleIncidentTitle(siteId, u),
    severity: u.severity,
    status: 'open',
    kinds: [],
    ruleIds: [u.ruleId],
    zones: [],
    eventCount: u.newEventKeys.length,
    firstSeenAt: u.firstAt,
    lastSeenAt: u.lastAt,
    openedAt: options.now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: options.now,
  };
  widen(incident, u, matched);
  return incident;
}

/** "Brute force from one source at tarkwa-2: cyber.srcIp 10.4.0.9", "Perimeter breach … at kolwezi-1, fence-north". */
export function ruleIncidentTitle(siteId: string, u: Pick<MatchUpdate, 'title' | 'group'>): string {
  const where = u.group.zone ? `${siteId}, ${u.group.zone}` : siteId;
  const detail = Object.entries(u.group)
    .filter(([name]) => name !== 'siteId' && name !== 'zone')
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return `${u.title} at ${where}${detail ? `: ${detail}` : ''}`.slice(0, 200);
}
