import type { CyberDetails, DroneDetails, Kind, Severity, TheftDetails } from './canonical-event.schema';

/**
 * `health`: a tamper event OreGuard itself writes when a gateway or sensor goes blind;
 * `reconciliation`: a material_discrepancy theft event its material reconciliation raises.
 */
export type EventSource = 'canonical' | 'suricata' | 'remoteid' | 'health' | 'reconciliation';

/** An accepted event, whatever its source, as the rest of OreGuard sees it. Times in UTC. */
export interface SiteEvent {
  siteId: string;
  gatewayId: string;
  eventId: string;
  sensorId: string;
  kind: Kind;
  occurredAt: Date;
  severity?: Severity;
  zone?: string;
  seq?: number;
  source: EventSource;
  drone?: DroneDetails;
  cyber?: CyberDetails;
  theft?: TheftDetails;
}
