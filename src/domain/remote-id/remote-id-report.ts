import { z } from 'zod';
import { describeFirstIssue } from '../events/describe-issue';
import { schemaRejectionKind, type RejectionKind } from '../events/rejection-kind';
import { OREGUARD_NAMESPACE, uuidV5 } from '../events/uuid-v5';
import { ZonedTimeSchema } from '../events/zoned-time.schema';
import { fixTimeNear } from './fix-time';
import { decodeRemoteIdMessage, fromHex, toHex } from './remote-id-decoder';
import {
  MESSAGE_BYTES,
  PACK_HEADER_BYTES,
  PACK_MAX_MESSAGES,
  type LocationMessage,
  type SingleMessage,
} from './remote-id-message';

const MAX_MESSAGE_HEX = (PACK_HEADER_BYTES + PACK_MAX_MESSAGES * MESSAGE_BYTES) * 2;

/** What a Remote ID receiver publishes on `remoteid/{sensorId}` (contract §1). */
export const RemoteIdPayloadSchema = z.strictObject({
  receivedAt: ZonedTimeSchema,
  /** The sender's MAC address, or the receiver's own id for it; compared case-insensitively. */
  transmitter: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1 to 64 printable characters without spaces')
    .transform((t) => t.toLowerCase()),
  rssi: z.number().min(-150).max(30).optional(),
  transport: z.enum(['ble', 'wifi']),
  messages: z
    .array(
      z
        .string()
        .max(MAX_MESSAGE_HEX)
        .regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be the message bytes in hex'),
    )
    .min(1)
    .max(64),
});

export interface RemoteIdRoute {
  siteId: string;
  gatewayId: string;
  sensorId: string;
}

/** One decoded message, where it was in the payload (`messages[1]`, `messages[0].pack[2]`) and its bytes. */
export interface RemoteIdSighting {
  path: string;
  hex: string;
  message: SingleMessage;
}

/** A Location with a known position: it becomes one drone event. */
export interface RemoteIdFix extends RemoteIdSighting {
  message: LocationMessage;
  occurredAt: Date;
  eventId: string;
}

/** One receiver's payload, decoded: what the transmitter said, in order, and the fixes among it. */
export interface RemoteIdReport extends RemoteIdRoute {
  transmitter: string;
  transport: 'ble' | 'wifi';
  rssi?: number;
  receivedAt: Date;
  sightings: RemoteIdSighting[];
  fixes: RemoteIdFix[];
}

export type ReportResult =
  | { ok: true; report: RemoteIdReport }
  | { ok: false; kind: Extract<RejectionKind, 'schema' | 'unknown_field' | 'remote_id'>; reason: string };

/**
 * Decodes a `remoteid` payload. Any message that cannot be decoded makes the whole payload
 * bad input, its reason naming the message and the field (`messages[2]: Location latitude …`):
 * a receiver that garbles one message may have garbled the others.
 */
export function readRemoteIdReport(route: RemoteIdRoute, body: unknown): ReportResult {
  const parsed = RemoteIdPayloadSchema.safeParse(body);
  if (!parsed.success)
    return { ok: false, kind: schemaRejectionKind(parsed.error), reason: describeFirstIssue(parsed.error, body) };
  const payload = parsed.data;

  const sightings: RemoteIdSighting[] = [];
  for (const [index, hex] of payload.messages.entries()) {
    const path = `messages[${index}]`;
    const decoded = decodeRemoteIdMessage(fromHex(hex));
    if (!decoded.ok) return { ok: false, kind: 'remote_id', reason: `${path}${decoded.at}: ${decoded.reason}` };
    const { message } = decoded;
    if (message.type !== 'message_pack') {
      sightings.push({ path, hex: hex.toLowerCase(), message });
      continue;
    }
    const bytes = fromHex(hex);
    message.messages.forEach((inner, i) => {
      const start = PACK_HEADER_BYTES + i * MESSAGE_BYTES;
      sightings.push({
        path: `${path}.pack[${i}]`,
        hex: toHex(bytes.subarray(start, start + MESSAGE_BYTES)),
        message: inner,
      });
    });
  }

  const report: RemoteIdReport = {
    ...route,
    transmitter: payload.transmitter,
    transport: payload.transport,
    ...(payload.rssi !== undefined && { rssi: payload.rssi }),
    receivedAt: payload.receivedAt,
    sightings,
    fixes: [],
  };
  for (const sighting of sightings) {
    const message = sighting.message;
    // No position, no event: the contract's drone event needs one. The rest still counts.
    if (message.type !== 'location' || !message.position) continue;
    const occurredAt =
      message.tenthsAfterHour === undefined
        ? payload.receivedAt
        : fixTimeNear(payload.receivedAt, message.tenthsAfterHour);
    report.fixes.push({ ...sighting, message, occurredAt, eventId: remoteIdEventId(report, sighting.hex, occurredAt) });
  }
  return { ok: true, report };
}

/**
 * Deterministic, so a re-sent message is the same event: the gateway, the transmitter, the
 * message's own 25 bytes and the resolved fix time. Not the sensor: two receivers behind one
 * gateway hearing the same broadcast report one event.
 */
export function remoteIdEventId(
  report: Pick<RemoteIdReport, 'siteId' | 'gatewayId' | 'transmitter'>,
  messageHex: string,
  occurredAt: Date,
): string {
  const name = [
    'remoteid',
    report.siteId,
    report.gatewayId,
    report.transmitter,
    messageHex.toLowerCase(),
    occurredAt.toISOString(),
  ].join('/');
  return uuidV5(name, OREGUARD_NAMESPACE);
}
