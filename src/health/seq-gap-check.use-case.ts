import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { drainBatches } from 'src/platform/periodic-task';

/** Ranges reported in one statement. */
const BATCH = 500;

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
 * statement that locks the ranges it reports, skipping those another transaction holds (an
 * ingest batch filling them at this moment: the pieces it leaves are reported on a later run;
 * or another instance's check): any number of worker instances report each range once, and
 * ingest never waits on a gateway for it. An ingest batch that waited for this lock sees the
 * range as reported and keeps that on the pieces it leaves.
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
    return drainBatches(
      BATCH,
      () => this.batch(),
      (reported) => {
        for (const gap of reported) {
          const missing = gap.toSeq - gap.fromSeq + 1;
          this.metrics.seqGaps.inc();
          this.metrics.seqMissing.inc(missing);
          // The ids stay in the text too: operators and tests read this line as it was.
          this.logger.warn({
            msg: `Gateway ${gap.gatewayId} at ${gap.siteId} lost seq ${gap.fromSeq}..${gap.toSeq} (${missing} events, missing since ${gap.openedAt.toISOString()})`,
            siteId: gap.siteId,
            gatewayId: gap.gatewayId,
            fromSeq: gap.fromSeq,
            toSeq: gap.toSeq,
          });
        }
      },
    );
  }

  private async batch(): Promise<ReportedSeqGap[]> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.health.seqGaps.graceMs);
    const rows = await this.db.query<{
      site_id: string;
      gateway_id: string;
      from_seq: string;
      to_seq: string;
      opened_at: Date;
    }>(
      `UPDATE gateway_seq_gaps x SET reported_at = $1
        WHERE x.id IN (SELECT id FROM gateway_seq_gaps WHERE reported_at IS NULL AND opened_at <= $2
                        ORDER BY opened_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING x.site_id, x.gateway_id, x.from_seq, x.to_seq, x.opened_at`,
      [now, cutoff, BATCH],
    );
    return rows
      .map((r) => ({
        siteId: r.site_id,
        gatewayId: r.gateway_id,
        fromSeq: Number(r.from_seq),
        toSeq: Number(r.to_seq),
        openedAt: r.opened_at,
      }))
      .sort(
        (a, b) => a.siteId.localeCompare(b.siteId) || a.gatewayId.localeCompare(b.gatewayId) || a.fromSeq - b.fromSeq,
      );
  }
}
