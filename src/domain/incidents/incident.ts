import type { PostureLevel } from '../posture/posture-level';
import type { Kind, Severity } from '../events/canonical-event.schema';
import type { DroneTrack } from './drone-tracks';

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';
export type Resolution = 'true_positive' | 'false_positive' | 'duplicate';

/** An incident as the domain sees it; the REST and live shapes are built from this. */
export interface Incident {
  id: string;
  siteId: string;
  /** Events fold only into incidents of the same group: the event kind, or for drones "drone:<first identity of its track>". */
  groupKey: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  kinds: Kind[];
  ruleIds: string[];
  zones: string[];
  eventCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  openedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  assignee: string | null;
  resolvedAt: Date | null;
  resolution: Resolution | null;
  updatedAt: Date;
  /** The site's posture in force at the incident's first event (recorded by the database on insert); absent until read back. */
  postureAtOpen?: PostureLevel | null;
  /** A drone incident's track (one drone, one incident); absent for other kinds. */
  track?: DroneTrack | null;
}

/** The live message types of the contract, section 2. */
export type IncidentChangeType =
  'opened' | 'updated' | 'escalated' | 'acknowledged' | 'assigned' | 'noted' | 'resolved' | 'reopened';
