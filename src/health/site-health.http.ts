import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { ZonedTimeSchema } from 'src/domain/events/zoned-time.schema';

/** PUT /sites/{siteId}/sensors/{sensorId}/zones */
export const SetSensorZonesSchema = z.strictObject({
  zones: z.array(IdentifierSchema).max(100).transform((zones) => [...new Set(zones)].sort()),
});

/** GET /sites/{id}/blind-zones: `at` (ISO 8601 with offset), or now. */
export const BlindZonesQuerySchema = z.strictObject({ at: ZonedTimeSchema.optional() });

export const SiteSensorParamsSchema = z.strictObject({ id: IdentifierSchema, sensorId: IdentifierSchema });
