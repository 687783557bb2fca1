import type { CanonicalEvent } from './canonical-event.schema';
import { CanonicalEventSchema, KINDS } from './canonical-event.schema';
import { describeFirstIssue } from './describe-issue';
import { describeValue } from './describe-value';
import type { GatewayStatus } from './gateway-status.schema';
import { GatewayStatusSchema } from './gateway-status.schema';
import { decodeJsonObject } from './json-payload';
import { readRemoteIdReport, type RemoteIdReport } from '../remote-id/remote-id-report';
import type { MaterialRecord } from '../material/material-record.schema';
import { readMaterialRecord, recordTimes } from '../material/material-message';
import type { SiteEvent } from './site-event';
import { suricataToEvent } from './suricata-record';
import type { TopicRoute } from './topic';
import { parseTopic } from './topic';
import { schemaRejectionKind, type RejectionKind } from './rejection-kind';

export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;

export interface ParseOptions {
  now: Date;
  /** How far ahead of `now` an event time may be (contract: 5 minutes). */
  maxFutureMs: number;
  /**
   * How far behind `now` an event time may be; older is rejected (`too_old`). Unset: no bound.
   * Queries by event time rely on it to find an event among the partitions by arrival time.
   */
  maxLatenessMs?: number;
  /** The sensor's registered network; Suricata alerts default to `ot`. */
  sensorNetwork?: (siteId: string, gatewayId: string, sensorId: string) => 'ot' | 'it' | undefined;
}

export type ParsedMessage =
  | { ok: true; type: 'event'; event: SiteEvent }
  | { ok: true; type: 'ignored'; reason: string }
  | { ok: true; type: 'status'; siteId: string; gatewayId: string; status: GatewayStatus }
  /** A Remote ID receiver's payload, decoded; assembled into drone events (none, one or more) when stored. */
  | { ok: true; type: 'remoteid'; report: RemoteIdReport }
  /** One record of material movement (weighing, gate, dispatch, survey). */
  | { ok: true; type: 'material'; siteId: string; gatewayId: string; record: MaterialRecord }
  | {
      ok: false;
      /** What failed, from a closed set (the metrics label). */
      kind: RejectionKind;
      /** A sentence naming the field and the fault. */
      reason: string;
      /** The topic's site and gateway, when the topic itself was fine (to answer on its acks topic). */
      route?: TopicRoute;
      /** The payload's `eventId`, when it had a readable one (for the ack of a rejected event). */
      eventId?: string;
      /** A material record's `recordId`, when it had a readable one (for the ack of a rejected record). */
      recordId?: string;
    };

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One MQTT message from a gateway to an outcome: an accepted event, a status, something to ignore,
 * or a rejection whose reason names the field and the fault. Never throws.
 * Order: topic → size → UTF-8 → JSON → schema → time not in the future.
 */
export function parseGatewayMessage(
  prefix: string,
  topic: string,
  payload: Uint8Array,
  options: ParseOptions,
): ParsedMessage {
  try {
    return parse(prefix, topic, payload, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'internal', reason: `payload: could not be parsed (${message.slice(0, 200)})` };
  }
}

function parse(prefix: string, topic: string, payload: Uint8Array, options: ParseOptions): ParsedMessage {
  const parsedTopic = parseTopic(prefix, topic);
  if (!parsedTopic.ok) return { ok: false, kind: 'topic', reason: parsedTopic.reason };
  const { route } = parsedTopic;
  const reject = (kind: RejectionKind, reason: string, eventId?: string): ParsedMessage => ({
    ok: false,
    kind,
    reason,
    route,
    ...(eventId !== undefined && { eventId }),
  });

  if (route.type === 'acks') return { ok: true, type: 'ignored', reason: "acks: OreGuard's own replies" };
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('size', `payload: ${payload.byteLength} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  if (route.type === 'status' && payload.byteLength === 0) {
    // A zero-byte retained publish is how a retained status is cleared: not bad input.
    return { ok: true, type: 'ignored', reason: 'status: retained status cleared (empty payload)' };
  }

  const json = decodeJsonObject(payload);
  if (!json.ok) return reject(json.kind, json.reason);
  const body = json.value;

  switch (route.type) {
    case 'events': {
      const result = CanonicalEventSchema.safeParse(body);
      const eventId = readableEventId(body);
      if (!result.success) {
        const mismatch = kindMismatch(body);
        if (mismatch) return reject('unknown_field', mismatch, eventId);
        return reject(schemaRejectionKind(result.error), describeFirstIssue(result.error, body), eventId);
      }
      if (result.data.kind === 'theft' && result.data.theft.category === 'material_discrepancy') {
        return reject(
          'schema',
          `theft.category: "material_discrepancy" is raised by OreGuard's own reconciliation (a gateway publishes material records)`,
          eventId,
        );
      }
      const badTime = checkTime('occurredAt', body['occurredAt'], result.data.occurredAt, options);
      if (badTime) return reject(badTime.kind, badTime.reason, eventId);
      const nul = findNulCharacter(body);
      if (nul) return reject('nul', nul, eventId);
      return { ok: true, type: 'event', event: fromCanonical(route, result.data) };
    }
    case 'material': {
      const result = readMaterialRecord(body);
      const recordId = result.ok ? result.record.recordId : result.recordId;
      const withId = (kind: RejectionKind, reason: string): ParsedMessage => ({
        ...(reject(kind, reason) as Extract<ParsedMessage, { ok: false }>),
        ...(recordId !== undefined && { recordId }),
      });
      if (!result.ok) return withId(result.kind, result.reason);
      const badTime = recordTimes(result.record)
        .map(({ field, at }) => checkTime(field, valueAtPath(body, field), at, options))
        .find(Boolean);
      if (badTime) return withId(badTime.kind, badTime.reason);
      const nul = findNulCharacter(body);
      if (nul) return withId('nul', nul);
      return { ok: true, type: 'material', siteId: route.siteId, gatewayId: route.gatewayId, record: result.record };
    }
    case 'suricata': {
      const sensorId = route.sensorId as string;
      const network = options.sensorNetwork?.(route.siteId, route.gatewayId, sensorId) ?? 'ot';
      const result = suricataToEvent(body, { siteId: route.siteId, gatewayId: route.gatewayId, sensorId, network });
      if (!result.ok) return reject(result.kind, result.reason);
      if ('ignored' in result)
        return {
          ok: true,
          type: 'ignored',
          reason: `suricata: event_type ${JSON.stringify(result.ignored)} is not an alert`,
        };
      const badTime = checkTime('timestamp', body['timestamp'], result.event.occurredAt, options);
      if (badTime) return reject(badTime.kind, badTime.reason, result.event.eventId);
      const nul = findNulCharacter(result.event, 'suricata record');
      if (nul) return reject('nul', nul, result.event.eventId);
      return { ok: true, type: 'event', event: result.event };
    }
    case 'remoteid': {
      const result = readRemoteIdReport(
        { siteId: route.siteId, gatewayId: route.gatewayId, sensorId: route.sensorId as string },
        body,
      );
      if (!result.ok) return reject(result.kind, result.reason);
      const { report } = result;
      const badTime =
        checkTime('receivedAt', body['receivedAt'], report.receivedAt, options) ??
        report.fixes
          .map((fix) =>
            checkTime(`${fix.path}: Location timestamp`, fix.message.tenthsAfterHour, fix.occurredAt, options),
          )
          .find(Boolean);
      if (badTime) return reject(badTime.kind, badTime.reason);
      return { ok: true, type: 'remoteid', report };
    }
    case 'status': {
      const result = GatewayStatusSchema.safeParse(body);
      if (!result.success) return reject(schemaRejectionKind(result.error), describeFirstIssue(result.error, body));
      // Statuses are ordered by their time, so one from a clock run ahead would make every true
      // report after it stale (src/domain/health/gateway-health.ts): refused like an event's.
      // An old one is stale already and harmless (a retained last will handed over again is old).
      const badTime = checkTime('at', body['at'], result.data.at, { ...options, maxLatenessMs: undefined });
      if (badTime) return reject(badTime.kind, badTime.reason);
      return { ok: true, type: 'status', siteId: route.siteId, gatewayId: route.gatewayId, status: result.data };
    }
  }
}

/**
 * A kind object other than the one `kind` names is the fault to report, before the missing one:
 * `cyber: unknown field "cyber" (a drone event carries only a "drone" object)`.
 */
function kindMismatch(body: Record<string, unknown>): string | null {
  const kind = body['kind'];
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) return null;
  const other = KINDS.find((k) => k !== kind && Object.prototype.hasOwnProperty.call(body, k));
  return other ? `${other}: unknown field "${other}" (a ${kind} event carries only a "${kind}" object)` : null;
}

function fromCanonical(route: TopicRoute, event: CanonicalEvent): SiteEvent {
  return { siteId: route.siteId, gatewayId: route.gatewayId, ...event, source: 'canonical' };
}

/** An event time more than maxFutureMs ahead of `now`, or more than maxLatenessMs behind it, with the reason. */
function checkTime(
  field: string,
  written: unknown,
  instant: Date,
  options: ParseOptions,
): { kind: 'future' | 'too_old'; reason: string } | null {
  const ahead = instant.getTime() - options.now.getTime();
  if (ahead > options.maxFutureMs)
    return {
      kind: 'future',
      reason:
        `${field}: ${describeValue(written)} (${instant.toISOString()}) is more than ` +
        `${formatDuration(options.maxFutureMs)} in the future (now ${options.now.toISOString()})`,
    };
  if (options.maxLatenessMs !== undefined && -ahead > options.maxLatenessMs)
    return {
      kind: 'too_old',
      reason:
        `${field}: ${describeValue(written)} (${instant.toISOString()}) is more than ` +
        `${formatDuration(options.maxLatenessMs)} before it arrived (now ${options.now.toISOString()}): ` +
        `older events are not accepted (EVENT_MAX_LATENESS_DAYS)`,
    };
  return null;
}

function formatDuration(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms % 86_400_000 === 0) return plural(ms / 86_400_000, 'day');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  if (ms % 1000 === 0) return plural(ms / 1000, 'second');
  return plural(ms, 'millisecond');
}

/**
 * Text with a NUL character (`\u0000`) passes JSON and the schemas but cannot be stored
 * (PostgreSQL text refuses it): report the field that carries one.
 */
function findNulCharacter(value: unknown, rootName = 'payload'): string | null {
  const path = nulPath(value);
  return path === null
    ? null
    : `${path.length ? path.join('.') : rootName}: must not contain the NUL character (\\u0000)`;
}

/** The path to the first text holding a NUL character, or null; built only when one is found (this runs for every event). */
function nulPath(value: unknown): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? [] : null;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const path = nulPath(object[key]);
      if (path) {
        path.unshift(key);
        return path;
      }
    }
  }
  return null;
}

function valueAtPath(body: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
      body,
    );
}

function readableEventId(body: Record<string, unknown>): string | undefined {
  const id = Object.prototype.hasOwnProperty.call(body, 'eventId') ? body['eventId'] : undefined;
  return typeof id === 'string' && UUID_TEXT.test(id) ? id.toLowerCase() : undefined;
}
