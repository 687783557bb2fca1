import { Injectable } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import type { SiteMap } from 'src/domain/sites/site-map.schema';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';

/** Sites' maps: admins set one, anyone who may see the site reads it. */
@Injectable()
export class SiteMapsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async get(principal: Principal, siteId: string): Promise<SiteMap> {
    if (!canSeeSite(principal, siteId))
      throw new ApplicationError('site.forbidden', `Site ${siteId} is not one of your sites`);
    const [row] = await this.db.query<{ map: SiteMap | null; known: boolean }>(
      'SELECT m.map, true AS known FROM sites s LEFT JOIN site_maps m ON m.site_id = s.id WHERE s.id = $1',
      [siteId],
    );
    if (!row) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
    if (!row.map) throw new ApplicationError('resource.not-found', `Site ${siteId} has no map`);
    return row.map;
  }

  /** Admin: replaces the site's map (checked before: `input` parses the body once the caller may). */
  async put(principal: Principal, siteId: string, input: () => SiteMap, ip?: string): Promise<SiteMap> {
    if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins set site maps');
    const map = input();
    const rows = await this.db.query(
      `INSERT INTO site_maps (site_id, map, updated_at, updated_by)
       SELECT id, $2, $3, $4 FROM sites WHERE id = $1
       ON CONFLICT (site_id) DO UPDATE SET map = EXCLUDED.map, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
       RETURNING site_id`,
      [siteId, JSON.stringify(map), this.clock.now(), principal.username],
    );
    if (rows.length === 0) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
    const kinds = { perimeter: 0, zone: 0, sensor: 0 };
    for (const feature of map.features) kinds[feature.properties.kind] += 1;
    await this.audit.record({
      actor: principal,
      action: 'site.map-set',
      target: siteId,
      details: { features: kinds },
      ip,
    });
    return map;
  }
}
