import { z } from 'zod';
import {
  CyberDetailsSchema,
  DroneDetailsSchema,
  KindSchema,
  SeveritySchema,
  TheftDetailsSchema,
} from 'src/domain/events/canonical-event.schema';
import { UtcTimeSchema } from 'src/platform/page.http';

/** What a transmitter said beyond the drone object, and OreGuard's spoofing check (Remote ID events). */
const RemoteIdViewSchema = z
  .looseObject({
    transmitter: z.string().meta({ description: 'MAC address or receiver id of the sender, lowercase' }),
    transport: z.enum(['ble', 'wifi']).optional(),
    rssi: z.number().optional(),
    status: z
      .union([z.string(), z.number()])
      .optional()
      .meta({ description: 'ASTM F3411 operational status (airborne, emergency, …; a number when reserved)' }),
    uaType: z.union([z.string(), z.number()]).optional().meta({ description: 'ASTM F3411 UA type from the Basic ID' }),
    description: z.string().optional().meta({ description: 'The Self-ID text' }),
    possibleSpoof: z
      .object({
        impliedSpeedMps: z.number(),
        limitMps: z.number(),
        previousFix: z.object({ lat: z.number(), lon: z.number(), at: z.string() }),
      })
      .optional()
      .meta({ description: 'This fix implies a faster move from the previous fix than REMOTE_ID_MAX_SPEED_MPS' }),
    trackSuspectSince: z
      .string()
      .optional()
      .meta({ description: 'The track of this transmitter has been possibly spoofed since then' }),
  })
  .meta({ id: 'RemoteIdView' });

/** An accepted event as REST shows it (eventView): the canonical fields, where and when it arrived, its incidents. */
export const EventSchema = z
  .object({
    eventId: z.string(),
    siteId: z.string(),
    gatewayId: z.string(),
    sensorId: z.string(),
    kind: KindSchema,
    occurredAt: UtcTimeSchema,
    severity: SeveritySchema.optional(),
    zone: z.string().optional(),
    seq: z.int().min(0).optional(),
    drone: DroneDetailsSchema.optional(),
    cyber: CyberDetailsSchema.optional(),
    theft: TheftDetailsSchema.optional(),
    receivedAt: UtcTimeSchema,
    source: z.enum(['canonical', 'suricata', 'remoteid', 'health']),
    late: z.boolean().meta({ description: 'It arrived after the allowed lateness' }),
    incidentIds: z.array(z.uuid()),
    remoteId: RemoteIdViewSchema.optional(),
  })
  .meta({
    id: 'Event',
    description:
      'The canonical event as accepted (exactly the object its kind names) plus siteId, gatewayId, receivedAt, source, late, ' +
      'incidentIds; events assembled from Remote ID (source remoteid) also carry remoteId',
  });

export const RejectedEventSchema = z
  .object({
    id: z.string(),
    receivedAt: UtcTimeSchema,
    topic: z.string(),
    reason: z.string().meta({ description: 'A sentence naming the field and the fault' }),
    payload: z.string().meta({ description: 'The first 4 KiB, as text' }),
  })
  .meta({ id: 'RejectedEvent' });

export const EVENT_EXAMPLE = {
  eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
  siteId: 'kolwezi-1',
  gatewayId: 'gw-north',
  sensorId: 'rf-mast-2',
  kind: 'drone',
  occurredAt: '2026-11-29T02:12:44.120Z',
  severity: 'high',
  zone: 'tailings-east',
  seq: 88231,
  drone: { detection: 'rf', position: { lat: -10.7152, lon: 25.4713, altM: 120 }, trackId: 't-17' },
  receivedAt: '2026-11-29T02:12:44.480Z',
  source: 'canonical',
  late: false,
  incidentIds: ['0d1f6c52-8a8e-4b7e-9f0e-3c2a1b4d5e6f'],
};
