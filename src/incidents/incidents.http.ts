import { z } from 'zod';
import { PostureLevelSchema } from 'src/domain/posture/posture-level';
import { LegalHoldSchema } from './legal-hold.http';
import { DroneDetectionSchema, KindSchema, SeveritySchema } from 'src/domain/events/canonical-event.schema';
import type { IncidentView } from './incident.repository';
import { EVENT_EXAMPLE, EventSchema } from 'src/events/events.http';
import { UtcTimeSchema } from 'src/platform/page.http';

export const ResolutionSchema = z.enum(['true_positive', 'false_positive', 'duplicate']);

/** An incident as REST and live messages show it (incidentView, contract section 3). */
export const IncidentSchema = z
  .object({
    id: z.uuid(),
    siteId: z.string(),
    title: z.string(),
    severity: SeveritySchema,
    status: z.enum(['open', 'acknowledged', 'resolved']),
    kinds: z.array(KindSchema),
    ruleIds: z.array(z.string()).meta({
      description:
        'drone-activity, cyber-activity, theft-activity or sensor-health for what folding opened, then the correlation rules ' +
        "that escalated it; a rule's own incident has that rule only",
    }),
    zones: z.array(z.string()),
    eventCount: z.int().min(0),
    firstSeenAt: UtcTimeSchema,
    lastSeenAt: UtcTimeSchema,
    openedAt: UtcTimeSchema,
    acknowledgedAt: UtcTimeSchema.nullable(),
    acknowledgedBy: z.string().nullable(),
    assignee: z.string().nullable().meta({ description: "The assigned user's id" }),
    resolvedAt: UtcTimeSchema.nullable(),
    resolution: ResolutionSchema.nullable(),
    postureAtOpen: PostureLevelSchema.optional().meta({
      description:
        "The site's threat posture when the incident's first event occurred (internal: never exported nor shared)",
    }),
  })
  .meta({
    id: 'Incident',
    description:
      'Folding opens an incident per storm of one kind, or per drone track; a correlation rule whose events all lie in one ' +
      'incident escalates it (adds its id, raises the severity, prefixes the title), and one whose events lie in several ' +
      'opens an incident of its own with its title and severity. The timeline says which rule fired, why, and on which events ' +
      '("rule-matched", then "events-joined")',
  });

export const TrackPointSchema = z
  .object({
    lat: z.number(),
    lon: z.number(),
    altM: z.number().optional(),
    at: z.string(),
    detection: DroneDetectionSchema,
    gatewayId: z.string(),
    sensorId: z.string(),
    eventId: z.int().meta({ description: "The event's storage id" }),
  })
  .meta({ id: 'TrackPoint' });

export const DroneTrackSchema = z
  .object({
    uasIds: z.array(z.string()),
    trackIds: z.array(z.string()).meta({ description: 'Detector tracks, "gateway/sensor/trackId"' }),
    remoteIdSeen: z.boolean(),
    nonCooperative: z.boolean().meta({
      description: 'A radar/RF/visual/acoustic detection had no Remote ID within DRONE_GATE_M and DRONE_GATE_MS',
    }),
    nonCooperativeSince: z.string().nullable(),
    spoofSuspected: z.boolean().meta({ description: 'Remote ID marked a fix of the track as possibly spoofed' }),
    spoofSuspectedSince: z.string().nullable(),
    last: TrackPointSchema,
    positions: z.array(TrackPointSchema).meta({ description: 'In time order, the latest 2000' }),
  })
  .meta({
    id: 'DroneTrack',
    description:
      'Drone incidents only (one drone, one incident): who the drone is and where it went. Each fold also writes a "track" ' +
      'timeline entry with its new positions (at most 100, sampled evenly), and "non-cooperative" / "spoof-suspected" entries ' +
      'with the reason when a mark raised the severity one level',
  });

export const TimelineEntrySchema = z
  .object({
    at: UtcTimeSchema,
    actor: z.string().meta({ description: 'A username, or system' }),
    action: z.string().meta({
      description:
        'opened, events-joined, rule-matched, track, acknowledged, assigned, noted, resolved, reopened, escalated…',
    }),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });

/** GET /incidents/{id}: the incident with its events, timeline and (drone incidents) track. */
export const IncidentDetailSchema = IncidentSchema.extend({
  legalHold: LegalHoldSchema.nullable().meta({
    description: 'Set by a lead: the incident, its events and timeline are kept whatever retention says',
  }),
  leavesAfter: UtcTimeSchema.nullable().meta({
    description:
      'When retention may remove the incident (its resolution plus RETENTION_RESOLVED_INCIDENTS_DAYS); null while it is ' +
      'open, acknowledged or under legal hold, or when resolved incidents are kept forever',
  }),
  track: DroneTrackSchema.optional(),
  events: z.array(EventSchema),
  timeline: z.array(TimelineEntrySchema),
}).meta({ id: 'IncidentDetail' });

export const StatsSchema = z
  .object({
    total: z.int().min(0),
    bySite: z.record(z.string(), z.int()),
    byKind: z.record(z.string(), z.int()),
    bySeverity: z.record(z.string(), z.int()),
    byDay: z.record(z.string(), z.int()).meta({ description: 'Keyed by UTC day, YYYY-MM-DD' }),
    meanTimeToAcknowledgeS: z.number().nullable(),
    meanTimeToResolveS: z.number().nullable(),
  })
  .meta({ id: 'Stats' });

export const INCIDENT_EXAMPLE = {
  id: '0d1f6c52-8a8e-4b7e-9f0e-3c2a1b4d5e6f',
  siteId: 'kolwezi-1',
  title: 'Drone overflight with perimeter breach',
  severity: 'critical',
  status: 'open',
  kinds: ['drone', 'theft'],
  ruleIds: ['drone-activity', 'coordinated-intrusion'],
  zones: ['tailings-east'],
  eventCount: 7,
  firstSeenAt: '2026-11-29T02:10:02.000Z',
  lastSeenAt: '2026-11-29T02:14:40.000Z',
  openedAt: '2026-11-29T02:10:02.310Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  assignee: null,
  resolvedAt: null,
  resolution: null,
  postureAtOpen: 'normal',
};

export const INCIDENT_DETAIL_EXAMPLE = {
  ...INCIDENT_EXAMPLE,
  legalHold: null,
  leavesAfter: null,
  events: [EVENT_EXAMPLE],
  timeline: [{ at: '2026-11-29T02:10:02.310Z', actor: 'system', action: 'opened', details: { severity: 'high' } }],
};

/** Compile-time: what incidentView returns is what IncidentSchema declares. */
const incidentViewMatches: IncidentView extends z.infer<typeof IncidentSchema> ? true : never = true;
void incidentViewMatches;
