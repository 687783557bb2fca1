import { Injectable } from '@nestjs/common';
import { canSeeSite, seesAllSites, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';

@Injectable()
export class SitesService {
  constructor(private readonly db: Db) {}

  async list(principal: Principal) {
    const rows = await this.db.query<{ id: string; name: string; time_zone: string; created_at: Date; gateways: object[] }>(
      `SELECT s.id, s.name, s.time_zone, s.created_at,
              COALESCE(json_agg(json_build_object('id', g.id, 'state', g.state, 'stateAt', g.state_at) ORDER BY g.id)
                       FILTER (WHERE g.id IS NOT NULL), '[]') AS gateways
         FROM sites s LEFT JOIN gateways g ON g.site_id = s.id
        WHERE $1::boolean OR s.id = ANY($2)
        GROUP BY s.id ORDER BY s.id`,
      [seesAllSites(principal), principal.siteIds],
    );
    return {
      items: rows.map((r) => ({ id: r.id, name: r.name, timeZone: r.time_zone, createdAt: r.created_at.toISOString(), gateways: r.gateways })),
    };
  }

  async sensors(principal: Principal, siteId: string) {
    if (!canSeeSite(principal, siteId)) throw new ApplicationError('site.forbidden', `Site ${siteId} is not one of your sites`);
    const [site] = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [siteId]);
    if (!site) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
    const rows = await this.db.query<{
      id: string;
      gateway_id: string;
      network: string;
      state: string | null;
      state_at: Date | null;
      state_reason: string | null;
      zones: { zone: string; source: 'learned' | 'admin' }[];
    }>(
      `SELECT s.id, s.gateway_id, s.network, s.state, s.state_at, s.state_reason,
              COALESCE((SELECT json_agg(json_build_object('zone', z.zone, 'source', z.source) ORDER BY z.zone)
                          FROM sensor_zones z WHERE z.site_id = s.site_id AND z.sensor_id = s.id), '[]') AS zones
         FROM sensors s WHERE s.site_id = $1 ORDER BY s.id`,
      [siteId],
    );
    return {
      items: rows.map((r) => ({
        sensorId: r.id,
        gatewayId: r.gateway_id,
        network: r.network,
        state: r.state,
        stateAt: r.state_at?.toISOString() ?? null,
        stateReason: r.state_reason,
        // The zones it covers: learned from its events, or set by an admin (PUT …/zones).
        zones: r.zones,
      })),
    };
  }
}
