import type { Kind, Severity } from 'src/domain/events/canonical-event.schema';
import type { DroneDetection } from 'src/domain/incidents/drone-tracks';
import { PAYLOAD_SHA256_SQL } from 'src/incidents/event-binding';

/**
 * What folding reads of an event, as SQL over the `events` columns: a fold's own read
 * (fold-read), and the ingest INSERT's RETURNING when a batch is folded in its own transaction.
 * `details` is the SQL for the kind object: silences match on it, so a fold's read names only
 * the sites that hold anything back. The raw payload's hash is computed in the same statement,
 * for the timeline entry that binds the event into its incident's chain (event-binding.ts).
 */
export function foldColumns(details: string): string {
  return `id, event_id, site_id, kind, occurred_at, received_at, severity, zone, gateway_id, sensor_id,
  ${PAYLOAD_SHA256_SQL()} AS payload_sha256,
  COALESCE(details->>'signature', details->>'category', details->>'detection') AS what,
  CASE WHEN kind = 'drone' THEN jsonb_build_object(
    'detection', details->'detection', 'uasId', details->'uasId', 'trackId', details->'trackId',
    'lat', details->'position'->'lat', 'lon', details->'position'->'lon', 'altM', details->'position'->'altM',
    'spoofSpeed', remote_id->'possibleSpoof'->'impliedSpeedMps',
    'spoofFix', remote_id ? 'possibleSpoof', 'suspectSince', remote_id->'trackSuspectSince')
  END AS drone,
  ${details} AS details`;
}

/** An event as folding reads it (foldColumns). */
export interface FoldRow {
  id: string;
  /** The gateway's event id. */
  event_id: string;
  site_id: string;
  kind: Kind;
  occurred_at: Date;
  received_at: Date;
  severity: Severity | null;
  zone: string | null;
  what: string | null;
  gateway_id: string;
  sensor_id: string;
  /** Drone events only (null otherwise): the fields tracking needs, not the whole details. */
  drone: {
    detection: DroneDetection;
    uasId: string | null;
    trackId: string | null;
    lat: number;
    lon: number;
    altM: number | null;
    spoofSpeed: number | null;
    spoofFix: boolean;
    suspectSince: string | null;
  } | null;
  /** SHA-256 of the stored raw payload (event-binding.ts). */
  payload_sha256: string;
  /** The kind object, where it was read (null otherwise). */
  details: Record<string, unknown> | null;
}
