import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { IdentifierSchema } from 'src/domain/events/identifiers';

/** An IANA zone name the runtime knows (Africa/Lubumbashi, UTC, …). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const CreateSiteSchema = z.strictObject({
  id: IdentifierSchema,
  name: storableText().trim().min(1).max(200),
  timeZone: storableText().max(64).refine(isTimeZone, 'not an IANA time zone (e.g. Africa/Lubumbashi)'),
});

export const CreateGatewaySchema = z.strictObject({
  id: IdentifierSchema,
  requireSigned: z.boolean().default(false),
});

export const SiteSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    createdAt: z.iso.datetime(),
    registeredAt: z.iso.datetime(),
  })
  .meta({ id: 'Site' });

const HealthStateSchema = z.enum(['ok', 'fault', 'offline']);

export const SiteWithGatewaysSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    createdAt: z.iso.datetime(),
    gateways: z.array(
      z.object({
        id: z.string(),
        state: z.enum(['online', 'offline']).nullable(),
        stateAt: z.string().nullable(),
        requireSigned: z.boolean(),
        secretIssuedAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'SiteWithGateways' });

export const SensorSchema = z
  .object({
    sensorId: z.string(),
    gatewayId: z.string(),
    network: z.enum(['ot', 'it']),
    state: HealthStateSchema.nullable(),
    stateAt: z.iso.datetime().nullable(),
    stateReason: z.string().nullable(),
    zones: z.array(z.object({ zone: z.string(), source: z.enum(['learned', 'admin']) })).meta({
      description:
        'The zones it covers: learned from its events, or set by an admin (PUT /sites/{siteId}/sensors/{sensorId}/zones)',
    }),
  })
  .meta({ id: 'Sensor' });

/** What POST /sites/{id}/gateways and its secret rotation return, once. */
export const GatewayCredentialsSchema = z
  .object({
    siteId: z.string(),
    gatewayId: z.string(),
    requireSigned: z.boolean().meta({
      description:
        'Its events, Suricata and Remote ID messages must carry oreguard-sig "v2 sha256=<hex>": HMAC-SHA256 of the topic, a newline and the payload',
    }),
    secret: z.string().meta({ description: '64 hex digits; the HMAC-SHA256 key of oreguard-sig, as written' }),
    mqttUsername: z.string().meta({ description: '{siteId}.{gatewayId}' }),
    mqttPassword: z.string().meta({ description: 'HMAC-SHA256(secret, "oreguard-mqtt-password"), hex' }),
    secretIssuedAt: z.iso.datetime(),
  })
  .meta({ id: 'GatewayCredentials' });
