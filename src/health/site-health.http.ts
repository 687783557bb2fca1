import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { ZonedTimeSchema } from 'src/domain/events/zoned-time.schema';

/** PUT /sites/{siteId}/sensors/{sensorId}/zones */
export const SetSensorZonesSchema = z.strictObject({
  zones: z
    .array(IdentifierSchema)
    .max(100)
    .transform((zones) => [...new Set(zones)].sort()),
});

/** GET /sites/{id}/blind-zones: `at` (ISO 8601 with offset), or now. */
export const BlindZonesQuerySchema = z.strictObject({ at: ZonedTimeSchema.optional() });

export const SiteSensorParamsSchema = z.strictObject({ id: IdentifierSchema, sensorId: IdentifierSchema });

const GapRangeSchema = z.object({
  fromSeq: z.int(),
  toSeq: z.int(),
  detectedAt: z.iso.datetime(),
  reportedAt: z.iso.datetime().optional(),
});

export const GatewayHealthSchema = z
  .object({
    gatewayId: z.string(),
    state: z.enum(['online', 'offline']).nullable(),
    stateAt: z.iso.datetime().nullable(),
    stateReason: z.string().nullable(),
    lastHeardAt: z.iso.datetime().nullable(),
    lastSeq: z.int().nullable(),
    seqGaps: z
      .object({
        count: z.int(),
        missing: z.int(),
        recent: z.array(GapRangeSchema),
        pending: z.object({ count: z.int(), missing: z.int(), ranges: z.array(GapRangeSchema) }),
      })
      .meta({
        description:
          "Ranges of the gateway's seq never stored: reported once open past SEQ_GAP_GRACE_MS (events lost between sensor and broker; count, missing and recent), or still pending within it (late arrivals may fill them)",
      }),
  })
  .meta({ id: 'GatewayHealth' });

export const BlindZonesSchema = z
  .object({ siteId: z.string(), at: z.iso.datetime(), zones: z.array(z.string()) })
  .meta({ id: 'BlindZones' });

export const SensorZonesSchema = z
  .object({ siteId: z.string(), sensorId: z.string(), zones: z.array(z.string()) })
  .meta({ id: 'SensorZones' });
