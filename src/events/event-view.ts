import type { Kind, Severity } from 'src/domain/events/canonical-event.schema';

export interface EventRow {
  id: string;
  site_id: string;
  gateway_id: string;
  event_id: string;
  sensor_id: string;
  kind: Kind;
  severity: Severity | null;
  zone: string | null;
  seq: string | null;
  occurred_at: Date;
  received_at: Date;
  source: string;
  late: boolean;
  details: object;
  /** Remote ID events only: the transmitter, its radio, and whether the fix looked spoofed. */
  remote_id: object | null;
  incident_ids: string[] | null;
}

/** An event as REST shows it: the canonical fields as accepted, plus where and when it arrived. */
export function eventView(row: EventRow) {
  return {
    eventId: row.event_id,
    siteId: row.site_id,
    gatewayId: row.gateway_id,
    sensorId: row.sensor_id,
    kind: row.kind,
    occurredAt: row.occurred_at.toISOString(),
    ...(row.severity ? { severity: row.severity } : {}),
    ...(row.zone ? { zone: row.zone } : {}),
    ...(row.seq !== null ? { seq: Number(row.seq) } : {}),
    [row.kind]: row.details,
    receivedAt: row.received_at.toISOString(),
    source: row.source,
    late: row.late,
    incidentIds: row.incident_ids ?? [],
    ...(row.remote_id ? { remoteId: row.remote_id } : {}),
  };
}

export const EVENT_COLUMNS = `e.id, e.site_id, e.gateway_id, e.event_id, e.sensor_id, e.kind, e.severity, e.zone, e.seq,
  e.occurred_at, e.received_at, e.source, e.late, e.details, e.remote_id,
  ARRAY(SELECT ie.incident_id FROM incident_events ie WHERE ie.event_id = e.id) AS incident_ids`;
