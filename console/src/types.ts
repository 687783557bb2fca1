/** The shapes of the public contract (../shared/contract.md §2, §3) the console reads. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type Status = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: string;
  siteId: string;
  title: string;
  severity: Severity;
  status: Status;
  kinds: string[];
  ruleIds: string[];
  eventCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  assignee: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  reason?: string;
  [k: string]: unknown;
}

export interface IncidentEvent {
  eventId: string;
  sensorId: string;
  kind: string;
  occurredAt: string;
  severity?: Severity;
  zone?: string;
  siteId: string;
  gatewayId: string;
  [k: string]: unknown;
}

export interface TimelineEntry {
  at: string;
  actor: string | null;
  action: string;
  details: Record<string, unknown> | null;
}

export interface IncidentDetail extends Incident {
  events: IncidentEvent[];
  timeline: TimelineEntry[];
}

export interface LiveMessage {
  siteId: string;
  seq: number;
  type: string;
  incident: Incident;
}

/**
 * `gap` (README, "Resume behind the retained log"): the messages after `after` are gone
 * (`retention`), or OreGuard's record stands behind `after` (`ahead`: a restored database).
 */
export type LiveGap =
  | { siteId: string; after: number; retainedFrom: number; continueFrom: number; reason: 'retention' }
  | { siteId: string; after: number; continueFrom: number; reason: 'ahead' };

/** `snapshot`: the site's open and acknowledged incidents at `seq`; the stream goes on after it. */
export interface LiveSnapshot {
  siteId: string;
  seq: number;
  incidents: Incident[];
}

export interface Site {
  id: string;
  name: string;
  [k: string]: unknown;
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export type PostureLevel = 'normal' | 'elevated' | 'high' | 'exceptional';

/** The scheme a level came from (FPCON, a national level, ISPS, OreGuard's own) and its value there. */
export interface PostureSource {
  scheme: string;
  value: string;
  ref?: string;
}

/** GET /sites/{id}/posture, and the `posture` of the /live `posture` event (README, "Site threat posture"). */
export interface PostureView {
  siteId: string;
  level: PostureLevel;
  own: PostureLevel;
  floor: PostureLevel;
  reason: string | null;
  source: PostureSource | null;
  expiresAt: string | null;
  change: {
    changeId: string;
    level: PostureLevel;
    source: PostureSource;
    reason: string;
    setBy: string;
    validFrom: string;
    expiresAt: string | null;
    acknowledgedAt: string | null;
    acknowledgedBy: string | null;
  } | null;
  floorEntry: { scope: string; level: PostureLevel; source: PostureSource; reason: string } | null;
  pendingLowering: {
    id: string;
    level: PostureLevel;
    reason: string;
    requestedBy: string;
    requestedAt: string;
  } | null;
  acks: { username: string; at: string }[];
}

/** The /live `posture` event: not numbered, the site's posture as it now stands. */
export interface LivePosture {
  siteId: string;
  type: 'changed' | 'expired' | 'floor-changed' | 'lowering-requested' | 'acknowledged' | 'unacknowledged';
  posture: PostureView;
}
