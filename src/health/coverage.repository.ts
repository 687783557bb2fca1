import { Injectable } from '@nestjs/common';
import { Db, type Queryable } from 'src/database/db';
import { blindZones, type CoveringSensor } from 'src/domain/health/blind-zones';
import type { HealthState } from 'src/domain/health/gateway-health';

interface CoverageRow {
  zone: string;
  sensor_id: string;
  gateway_id: string;
  sensor_state: HealthState | null;
  gateway_state: HealthState | null;
}

/**
 * Which zones a site's sensors cover, and which of them no sensor can see: for the
 * correlation engine (blindZones / isZoneBlind at an event's time, so a late event is judged
 * by the health of its moment) and for GET /sites/{id}/blind-zones.
 */
@Injectable()
export class CoverageRepository {
  constructor(private readonly db: Db) {}

  /** The site's blind zones at `at` (from the health history), or now (from the current states) when omitted. */
  async blindZones(siteId: string, at?: Date, zone?: string, db: Queryable = this.db.pool): Promise<string[]> {
    const { rows } = await db.query<CoverageRow>(
      at === undefined
        ? `SELECT z.zone, s.id AS sensor_id, s.gateway_id, s.state AS sensor_state,
                  CASE g.state WHEN 'online' THEN 'ok' WHEN 'offline' THEN 'offline' END AS gateway_state
             FROM sensor_zones z
             JOIN sensors s ON s.site_id = z.site_id AND s.id = z.sensor_id
             JOIN gateways g ON g.site_id = s.site_id AND g.id = s.gateway_id
            WHERE z.site_id = $1 AND ($2::text IS NULL OR z.zone = $2)`
        : // A subject's newest change (on its row) is its state at $3 if it came by then; the history is
          // read only for a subject that changed since.
          `SELECT z.zone, s.id AS sensor_id, s.gateway_id,
                  CASE WHEN s.health_changed_at <= $3 THEN s.health_changed_to ELSE
                  (SELECT h.state FROM sensor_health_changes h
                    WHERE h.site_id = s.site_id AND h.subject_type = 'sensor' AND h.subject_id = s.id AND h.at <= $3
                    ORDER BY h.at DESC, h.id DESC LIMIT 1) END AS sensor_state,
                  CASE WHEN g.health_changed_at <= $3 THEN g.health_changed_to ELSE
                  (SELECT h.state FROM sensor_health_changes h
                    WHERE h.site_id = s.site_id AND h.subject_type = 'gateway' AND h.subject_id = s.gateway_id AND h.at <= $3
                    ORDER BY h.at DESC, h.id DESC LIMIT 1) END AS gateway_state
             FROM sensor_zones z
             JOIN sensors s ON s.site_id = z.site_id AND s.id = z.sensor_id
             LEFT JOIN gateways g ON g.site_id = s.site_id AND g.id = s.gateway_id
            WHERE z.site_id = $1 AND ($2::text IS NULL OR z.zone = $2)`,
      at === undefined ? [siteId, zone ?? null] : [siteId, zone ?? null, at],
    );
    const coverage = new Map<string, CoveringSensor[]>();
    const sensors = new Map<string, HealthState>();
    const gateways = new Map<string, HealthState>();
    for (const r of rows) {
      coverage.set(r.zone, [...(coverage.get(r.zone) ?? []), { sensorId: r.sensor_id, gatewayId: r.gateway_id }]);
      if (r.sensor_state) sensors.set(r.sensor_id, r.sensor_state);
      if (r.gateway_state) gateways.set(r.gateway_id, r.gateway_state);
    }
    return blindZones(coverage, { sensor: (id) => sensors.get(id), gateway: (id) => gateways.get(id) });
  }

  /** Whether no sensor covering the zone could see at `at` (now when omitted). */
  async isZoneBlind(siteId: string, zone: string, at?: Date, db: Queryable = this.db.pool): Promise<boolean> {
    return (await this.blindZones(siteId, at, zone, db)).includes(zone);
  }

  /**
   * An admin's word on what a sensor covers: exactly these zones, marked as set by an admin.
   * Learning only ever adds (a zone the sensor's events name again comes back as learned).
   */
  async setZones(
    siteId: string,
    sensorId: string,
    zones: readonly string[],
  ): Promise<{ zone: string; source: string }[]> {
    return this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM sensor_zones WHERE site_id = $1 AND sensor_id = $2 AND zone <> ALL($3::text[])', [
        siteId,
        sensorId,
        zones,
      ]);
      await tx.query(
        `INSERT INTO sensor_zones (site_id, sensor_id, zone, source)
         SELECT $1, $2, zone, 'admin' FROM unnest($3::text[]) AS zone
         ON CONFLICT (site_id, sensor_id, zone) DO UPDATE SET source = 'admin'`,
        [siteId, sensorId, zones],
      );
      const { rows } = await tx.query<{ zone: string; source: string }>(
        'SELECT zone, source FROM sensor_zones WHERE site_id = $1 AND sensor_id = $2 ORDER BY zone',
        [siteId, sensorId],
      );
      return rows;
    });
  }
}
