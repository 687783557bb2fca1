import type { KeyedSiteEvent } from 'src/domain/correlation';
import type { SiteEvent } from 'src/domain/events/site-event';
import type { EventRow } from './event-view';

/** The columns a stored event needs to become a SiteEvent again. */
export const SITE_EVENT_COLUMNS = `e.id, e.site_id, e.gateway_id, e.event_id, e.sensor_id, e.kind, e.severity, e.zone, e.seq,
  e.occurred_at, e.source, e.details`;

export type SiteEventRow = Pick<
  EventRow,
  | 'id'
  | 'site_id'
  | 'gateway_id'
  | 'event_id'
  | 'sensor_id'
  | 'kind'
  | 'severity'
  | 'zone'
  | 'seq'
  | 'occurred_at'
  | 'source'
  | 'details'
>;

/** A stored event as the correlation engine sees it, keyed by its stored id (as matches name events). */
export function siteEventFromRow(row: SiteEventRow): KeyedSiteEvent {
  return {
    key: String(row.id),
    siteId: row.site_id,
    gatewayId: row.gateway_id,
    eventId: row.event_id,
    sensorId: row.sensor_id,
    kind: row.kind,
    occurredAt: row.occurred_at,
    ...(row.severity ? { severity: row.severity } : {}),
    ...(row.zone ? { zone: row.zone } : {}),
    ...(row.seq !== null ? { seq: Number(row.seq) } : {}),
    source: row.source as SiteEvent['source'],
    [row.kind]: row.details,
  } as KeyedSiteEvent;
}
