import { Injectable } from '@nestjs/common';
import { Db, type Queryable } from 'src/database/db';
import type { Hold, SiteHolds } from 'src/domain/silences/held-back';
import type { AuthorizedDrone, Silence, SilenceMatch } from 'src/domain/silences/silence';
import type { WeeklyRecurrence } from 'src/domain/silences/weekly-window';
import type { Kind } from 'src/domain/events/canonical-event.schema';

/** Announced (on commit) when a site's silences or authorized drones change, with the site id. */
export const SILENCES_CHANGED_CHANNEL = 'oreguard_silences_changed';

/**
 * A silence that ended this long ago no longer holds anything the fold sees in practice: only an
 * event arriving more than a week after it happened could fall in its window.
 */
const ENDED_HORIZON_MS = 7 * 24 * 3600 * 1000;

export interface SilenceRow {
  id: string;
  site_id: string;
  zone: string | null;
  sensor_id: string | null;
  kind: Kind | null;
  match: SilenceMatch;
  starts_at: Date | null;
  ends_at: Date | null;
  recurrence: WeeklyRecurrence | null;
  reason: string;
  created_by: string;
  created_at: Date;
  deleted_at: Date | null;
  deleted_by: string | null;
}

export function toSilence(row: SilenceRow): Silence {
  return {
    id: row.id,
    siteId: row.site_id,
    ...(row.zone !== null ? { zone: row.zone } : {}),
    ...(row.sensor_id !== null ? { sensorId: row.sensor_id } : {}),
    ...(row.kind !== null ? { kind: row.kind } : {}),
    ...(Object.keys(row.match).length > 0 ? { match: row.match } : {}),
    ...(row.starts_at ? { startsAt: row.starts_at } : {}),
    ...(row.ends_at ? { endsAt: row.ends_at } : {}),
    ...(row.recurrence ? { recurrence: row.recurrence } : {}),
  };
}

/** What the fold needs: the live silences and authorized drones of sites, and recording holds. */
@Injectable()
export class SilenceHoldsRepository {
  constructor(private readonly db: Db) {}

  /** Every site asked for gets an entry (empty when it holds nothing back). */
  async load(siteIds: readonly string[], now: Date): Promise<Map<string, SiteHolds>> {
    const [sites, silences, drones] = await Promise.all([
      this.db.query<{ id: string; time_zone: string }>('SELECT id, time_zone FROM sites WHERE id = ANY($1)', [siteIds]),
      this.db.query<SilenceRow>(
        `SELECT * FROM silences WHERE site_id = ANY($1) AND deleted_at IS NULL AND (ends_at IS NULL OR ends_at > $2)`,
        [siteIds, new Date(now.getTime() - ENDED_HORIZON_MS)],
      ),
      this.db.query<{ id: string; site_id: string; uas_id: string }>(
        'SELECT id, site_id, uas_id FROM authorized_drones WHERE site_id = ANY($1) AND deleted_at IS NULL',
        [siteIds],
      ),
    ]);
    const zones = new Map(sites.map((s) => [s.id, s.time_zone]));
    const result = new Map<string, SiteHolds>();
    for (const siteId of siteIds) {
      result.set(siteId, { timeZone: zones.get(siteId) ?? 'UTC', silences: [], authorizedDrones: [] });
    }
    for (const row of silences) (result.get(row.site_id)!.silences as Silence[]).push(toSilence(row));
    for (const row of drones) {
      (result.get(row.site_id)!.authorizedDrones as AuthorizedDrone[]).push({
        id: row.id,
        siteId: row.site_id,
        uasId: row.uas_id,
      });
    }
    return result;
  }

  /** Links held events to what held them; a fold run again records nothing twice. */
  async recordHolds(tx: Queryable, holds: readonly { eventId: number; hold: Hold }[], at: Date): Promise<void> {
    if (holds.length === 0) return;
    await tx.query(
      `INSERT INTO event_holds (event_id, silence_id, authorized_drone_id, held_at)
       SELECT e, NULLIF(s, '')::uuid, NULLIF(d, '')::uuid, $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(e, s, d)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        holds.map((h) => h.eventId),
        holds.map((h) => (h.hold.by === 'silence' ? h.hold.id : '')),
        holds.map((h) => (h.hold.by === 'authorized-drone' ? h.hold.id : '')),
        at,
      ],
    );
    await tx.query('UPDATE events SET folded_at = $2, fold_error = NULL WHERE id = ANY($1::bigint[])', [
      holds.map((h) => h.eventId),
      at,
    ]);
  }
}
