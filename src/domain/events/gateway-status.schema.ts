import { z } from 'zod';
import { IdentifierSchema } from './identifiers';
import { ZonedTimeSchema } from './zoned-time.schema';

export const SensorStateSchema = z.enum(['ok', 'fault', 'offline']);

/** The retained `…/status` message: sent on change, as a heartbeat, and as the MQTT last will. */
export const GatewayStatusSchema = z.strictObject({
  state: z.enum(['online', 'offline']),
  at: ZonedTimeSchema,
  sensors: z
    .array(z.strictObject({ sensorId: IdentifierSchema, state: SensorStateSchema }))
    .max(1000)
    .optional(),
});

export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;
