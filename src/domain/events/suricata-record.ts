import { z } from 'zod';
import type { Network, Severity } from './canonical-event.schema';
import { PortSchema } from './canonical-event.schema';
import { describeFirstIssue } from './describe-issue';
import { parseEventTime } from './event-time';
import { schemaRejectionKind, type RejectionKind } from './rejection-kind';
import { IpAddressSchema } from './ip-address';
import type { SiteEvent } from './site-event';
import { cyberCategoryFromSuricata } from './suricata-category';
import { OREGUARD_NAMESPACE, uuidV5 } from './uuid-v5';
import { ZonedTimeTextSchema } from './zoned-time.schema';

export interface SuricataContext {
  siteId: string;
  gatewayId: string;
  sensorId: string;
  network: Network;
}

export type SuricataResult =
  | { ok: true; event: SiteEvent }
  | { ok: true; ignored: string /* the event_type */ }
  | { ok: false; kind: Extract<RejectionKind, 'schema' | 'unknown_field'>; reason: string };

const EventTypeSchema = z.object({ event_type: z.string().min(1).max(64) });

/**
 * The part of an EVE `alert` record OreGuard uses. Not strict: Suricata writes many more fields
 * (flow, http, app_proto, in_iface, pkt_src, community_id, metadata, …) and adds more in new versions.
 */
export const SuricataAlertRecordSchema = z.object({
  timestamp: ZonedTimeTextSchema,
  /** 51-bit in Suricata ≥ 4, so a JSON number keeps it exactly; a string is taken as written. */
  flow_id: z.union([z.number().min(0), z.string().min(1).max(64)]).optional(),
  tx_id: z.number().min(0).optional(),
  event_type: z.literal('alert'),
  src_ip: IpAddressSchema,
  src_port: PortSchema.optional(),
  dest_ip: IpAddressSchema,
  dest_port: PortSchema.optional(),
  /** `TCP`, `UDP`, `ICMP`, `IPv6-ICMP`…, or the protocol number when Suricata has no name for it. */
  proto: z.union([z.string().min(1).max(32), z.int().min(0).max(255)]).optional(),
  alert: z.object({
    action: z.string().max(32).optional(),
    gid: z.int().min(0).optional(),
    signature_id: z.int().min(0),
    rev: z.int().min(0).optional(),
    signature: z.string().min(1).max(1024),
    /** The classtype description; empty when the rule has none. */
    category: z.string().max(256).optional(),
    severity: z.int().min(1),
  }),
});

export type SuricataAlertRecord = z.infer<typeof SuricataAlertRecordSchema>;

/** One EVE record as the IDS wrote it: an `alert` becomes a cyber event, any other type is ignored. */
export function suricataToEvent(record: unknown, ctx: SuricataContext): SuricataResult {
  const typed = EventTypeSchema.safeParse(record);
  if (!typed.success)
    return { ok: false, kind: schemaRejectionKind(typed.error), reason: describeFirstIssue(typed.error, record) };
  if (typed.data.event_type !== 'alert') return { ok: true, ignored: typed.data.event_type };

  const parsed = SuricataAlertRecordSchema.safeParse(record);
  if (!parsed.success)
    return { ok: false, kind: schemaRejectionKind(parsed.error), reason: describeFirstIssue(parsed.error, record) };
  const alert = parsed.data;
  const occurredAt = parseEventTime(alert.timestamp);
  if (!occurredAt) return { ok: false, kind: 'schema', reason: `timestamp: cannot be read` };

  return {
    ok: true,
    event: {
      siteId: ctx.siteId,
      gatewayId: ctx.gatewayId,
      eventId: suricataEventId(alert, ctx),
      sensorId: ctx.sensorId,
      kind: 'cyber',
      occurredAt,
      severity: severityFromSuricata(alert.alert.severity),
      source: 'suricata',
      cyber: {
        category: cyberCategoryFromSuricata(alert.alert.category),
        signature: alert.alert.signature,
        signatureId: alert.alert.signature_id,
        srcIp: alert.src_ip,
        ...(alert.src_port !== undefined && { srcPort: alert.src_port }),
        dstIp: alert.dest_ip,
        ...(alert.dest_port !== undefined && { dstPort: alert.dest_port }),
        ...(alert.proto !== undefined && { protocol: String(alert.proto) }),
        network: ctx.network,
      },
    },
  };
}

/** Suricata's scale runs the other way: 1 is the most severe. */
export function severityFromSuricata(severity: number): Severity {
  if (severity <= 1) return 'high';
  if (severity === 2) return 'medium';
  return 'low';
}

/** Deterministic, so a re-sent record is the same event: gateway, sensor and the record's own ids. */
export function suricataEventId(record: SuricataAlertRecord, ctx: SuricataContext): string {
  const part = (value: string | number | undefined) => (value === undefined ? '' : String(value));
  const name = [
    ctx.siteId,
    ctx.gatewayId,
    ctx.sensorId,
    part(record.flow_id),
    part(record.tx_id),
    record.timestamp,
    part(record.alert.signature_id),
  ].join('/');
  return uuidV5(name, OREGUARD_NAMESPACE);
}
