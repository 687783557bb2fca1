import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';

/** Gateways whose gaps are reported in one transaction. */
const BATCH = 100;

/** A range of a gateway's seq never stored, reported as events lost. */
export interface ReportedSeqGap {
  siteId: string;
  gatewayId: string;
  fromSeq: number;
  toSeq: number;
  openedAt: Date;
}

/**
 * Reports the ranges of gateways' seq still never stored SEQ_GAP_GRACE_MS after they opened
 * (ingest-store.ts keeps the ranges): one log line each, counted once in
 * oreguard_gateway_seq_gaps_total and, by the numbers in it, oreguard_gateway_seq_missing_total,
 * and marked reported (GET /sites/{id}/gateways counts only those). Each batch is one
 * transaction that first locks the gateways, skipping those another transaction holds (an
 * ingest batch filling their ranges at this moment, or another instance's check), then reads
 * their ranges after the lock: a range is never reported as it is being filled, and any number
 * of worker instances report each range once.
 */
@Injectable()
export class SeqGapCheckUseCase {
  private readonly logger = new Logger(SeqGapCheckUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns how many ranges it reported. */
  async execute(): Promise<number> {
    let total = 0;
    for (;;) {
      const { gateways, reported } = await this.batch();
      for (const gap of reported) {
        const missing = gap.toSeq - gap.fromSeq + 1;
        this.metrics.seqGaps.inc();
        this.metrics.seqMissing.inc(missing);
        this.logger.warn(
          `Gateway ${gap.gatewayId} at ${gap.siteId} lost seq ${gap.fromSeq}..${gap.toSeq} (${missing} events, missing since ${gap.openedAt.toISOString()})`,
        );
      }
      total += reported.length;
      if (gateways < BATCH) return total;
    }
  }

  private batch(): Promise<{ gateways: number; reported: ReportedSeqGap[] }> {
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - this.config.health.seqGaps.graceMs);
      const { rows: gateways } = await tx.query<{ site_id: string; id: string }>(
        `SELECT g.site_id, g.id FROM gateways g
           JOIN (SELECT DISTINCT site_id, gateway_id FROM gateway_seq_gaps WHERE reported_at IS NULL AND opened_at <= $1) d
             ON d.site_id = g.site_id AND d.gateway_id = g.id
          ORDER BY g.site_id, g.id LIMIT $2
          FOR NO KEY UPDATE OF g SKIP LOCKED`,
        [cutoff, BATCH],
      );
      if (gateways.length === 0) return { gateways: 0, reported: [] };
      const { rows } = await tx.query<{ site_id: string; gateway_id: string; from_seq: string; to_seq: string; opened_at: Date }>(
        `UPDATE gateway_seq_gaps x SET reported_at = $1
           FROM unnest($3::text[], $4::text[]) AS k(site_id, gateway_id)
          WHERE x.site_id = k.site_id AND x.gateway_id = k.gateway_id AND x.reported_at IS NULL AND x.opened_at <= $2
          RETURNING x.site_id, x.gateway_id, x.from_seq, x.to_seq, x.opened_at`,
        [now, cutoff, gateways.map((g) => g.site_id), gateways.map((g) => g.id)],
      );
      const reported = rows
        .map((r) => ({ siteId: r.site_id, gatewayId: r.gateway_id, fromSeq: Number(r.from_seq), toSeq: Number(r.to_seq), openedAt: r.opened_at }))
        .sort((a, b) => a.siteId.localeCompare(b.siteId) || a.gatewayId.localeCompare(b.gatewayId) || a.fromSeq - b.fromSeq);
      return { gateways: gateways.length, reported };
    });
  }
}
