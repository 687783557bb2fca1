import { Injectable } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { CoverageRepository } from './coverage.repository';

/** How many of a gateway's most recent seq gaps the listing shows. */
const RECENT_GAPS = 20;

/** Gateways' health and lost events, blind zones, and the admin's say on sensor coverage. */
@Injectable()
export class SiteHealthService {
  constructor(
    private readonly db: Db,
    private readonly coverage: CoverageRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async gateways(principal: Principal, siteId: string) {
    await this.requireSite(principal, siteId);
    const rows = await this.db.query<{
      id: string;
      state: string | null;
      state_at: Date | null;
      state_reason: string | null;
      last_heard_at: Date | null;
      last_seq: string | null;
      gap_count: string;
      missing: string | null;
      recent: { fromSeq: number; toSeq: number; detectedAt: string }[];
    }>(
      `SELECT g.id, g.state, g.state_at, g.state_reason, g.last_heard_at, g.last_seq,
              (SELECT count(*) FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id) AS gap_count,
              (SELECT sum(x.to_seq - x.from_seq + 1) FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id) AS missing,
              COALESCE((SELECT json_agg(json_build_object('fromSeq', r.from_seq, 'toSeq', r.to_seq, 'detectedAt', r.detected_at) ORDER BY r.id DESC)
                          FROM (SELECT * FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id
                                 ORDER BY x.id DESC LIMIT $2) r), '[]') AS recent
         FROM gateways g WHERE g.site_id = $1 ORDER BY g.id`,
      [siteId, RECENT_GAPS],
    );
    return {
      items: rows.map((r) => ({
        gatewayId: r.id,
        state: r.state,
        stateAt: r.state_at?.toISOString() ?? null,
        stateReason: r.state_reason,
        lastHeardAt: r.last_heard_at?.toISOString() ?? null,
        lastSeq: r.last_seq === null ? null : Number(r.last_seq),
        seqGaps: {
          count: Number(r.gap_count),
          missing: Number(r.missing ?? 0),
          recent: r.recent.map((g) => ({ fromSeq: Number(g.fromSeq), toSeq: Number(g.toSeq), detectedAt: new Date(g.detectedAt).toISOString() })),
        },
      })),
    };
  }

  async blindZones(principal: Principal, siteId: string, at: Date | undefined) {
    await this.requireSite(principal, siteId);
    return { siteId, at: (at ?? this.clock.now()).toISOString(), zones: await this.coverage.blindZones(siteId, at) };
  }

  async setZones(principal: Principal, siteId: string, sensorId: string, zones: string[], ip?: string) {
    if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins set what a sensor covers');
    const [sensor] = await this.db.query('SELECT 1 FROM sensors WHERE site_id = $1 AND id = $2', [siteId, sensorId]);
    if (!sensor) throw new ApplicationError('resource.not-found', `Sensor ${sensorId} not found at site ${siteId}`);
    const set = await this.coverage.setZones(siteId, sensorId, zones);
    await this.audit.record({ actor: principal, action: 'sensor.zones-set', target: `${siteId}/${sensorId}`, details: { zones }, ip });
    return { siteId, sensorId, zones: set };
  }

  private async requireSite(principal: Principal, siteId: string): Promise<void> {
    if (!canSeeSite(principal, siteId)) throw new ApplicationError('site.forbidden', `Site ${siteId} is not one of your sites`);
    const [site] = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [siteId]);
    if (!site) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
  }
}
