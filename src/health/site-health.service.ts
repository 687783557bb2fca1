import { Injectable } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { CoverageRepository } from './coverage.repository';

/** How many of a gateway's most recent seq gaps (and of its pending ranges) the listing shows. */
const RECENT_GAPS = 20;

interface GapRange {
  fromSeq: number;
  toSeq: number;
  detectedAt: string;
  reportedAt?: string;
}

const gapRange = (g: GapRange) => ({
  fromSeq: Number(g.fromSeq),
  toSeq: Number(g.toSeq),
  detectedAt: new Date(g.detectedAt).toISOString(),
  ...(g.reportedAt !== undefined && { reportedAt: new Date(g.reportedAt).toISOString() }),
});

/** Gateways' health and lost events, blind zones, and the admin's say on sensor coverage. */
@Injectable()
export class SiteHealthService {
  constructor(
    private readonly db: Db,
    private readonly coverage: CoverageRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Each gateway's health and seq gaps: `count`, `missing` and `recent` are the gaps reported
   * (open past SEQ_GAP_GRACE_MS: events lost); `pending` the ranges still open within it,
   * which late arrivals may yet fill.
   */
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
      recent: GapRange[];
      pending_count: string;
      pending_missing: string | null;
      pending: GapRange[];
    }>(
      `SELECT g.id, g.state, g.state_at, g.state_reason, g.last_heard_at, g.last_seq, s.*,
              COALESCE((SELECT json_agg(json_build_object('fromSeq', r.from_seq, 'toSeq', r.to_seq, 'detectedAt', r.opened_at,
                                                          'reportedAt', r.reported_at) ORDER BY r.reported_at DESC, r.from_seq DESC)
                          FROM (SELECT * FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id AND x.reported_at IS NOT NULL
                                 ORDER BY x.reported_at DESC, x.from_seq DESC LIMIT $2) r), '[]') AS recent,
              COALESCE((SELECT json_agg(json_build_object('fromSeq', r.from_seq, 'toSeq', r.to_seq, 'detectedAt', r.opened_at)
                                        ORDER BY r.opened_at, r.from_seq)
                          FROM (SELECT * FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id AND x.reported_at IS NULL
                                 ORDER BY x.opened_at, x.from_seq LIMIT $2) r), '[]') AS pending
         FROM gateways g,
              LATERAL (SELECT count(*) FILTER (WHERE x.reported_at IS NOT NULL) AS gap_count,
                              sum(x.to_seq - x.from_seq + 1) FILTER (WHERE x.reported_at IS NOT NULL) AS missing,
                              count(*) FILTER (WHERE x.reported_at IS NULL) AS pending_count,
                              sum(x.to_seq - x.from_seq + 1) FILTER (WHERE x.reported_at IS NULL) AS pending_missing
                         FROM gateway_seq_gaps x WHERE x.site_id = g.site_id AND x.gateway_id = g.id) s
        WHERE g.site_id = $1 ORDER BY g.id`,
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
          recent: r.recent.map(gapRange),
          pending: {
            count: Number(r.pending_count),
            missing: Number(r.pending_missing ?? 0),
            ranges: r.pending.map(gapRange),
          },
        },
      })),
    };
  }

  async blindZones(principal: Principal, siteId: string, at: Date | undefined) {
    await this.requireSite(principal, siteId);
    return { siteId, at: (at ?? this.clock.now()).toISOString(), zones: await this.coverage.blindZones(siteId, at) };
  }

  async setZones(principal: Principal, siteId: string, sensorId: string, zones: string[], ip?: string) {
    if (principal.role !== 'admin')
      throw new ApplicationError('auth.forbidden', 'Only admins set what a sensor covers');
    const [sensor] = await this.db.query('SELECT 1 FROM sensors WHERE site_id = $1 AND id = $2', [siteId, sensorId]);
    if (!sensor) throw new ApplicationError('resource.not-found', `Sensor ${sensorId} not found at site ${siteId}`);
    const set = await this.coverage.setZones(siteId, sensorId, zones);
    await this.audit.record({
      actor: principal,
      action: 'sensor.zones-set',
      target: `${siteId}/${sensorId}`,
      details: { zones },
      ip,
    });
    return { siteId, sensorId, zones: set };
  }

  private async requireSite(principal: Principal, siteId: string): Promise<void> {
    if (!canSeeSite(principal, siteId))
      throw new ApplicationError('site.forbidden', `Site ${siteId} is not one of your sites`);
    const [site] = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [siteId]);
    if (!site) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
  }
}
