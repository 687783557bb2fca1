import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { reconcile } from 'src/domain/material/reconcile';
import { reconciliationFactorAt } from 'src/domain/posture/apply-profile';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { PostureHistoryCache } from 'src/posture/posture-history.cache';
import { materialFindingsStore } from './material-findings.repository';

/**
 * One reconciliation run: for each site with material records in the window
 * (MATERIAL_RECONCILE_WINDOW_MS), the rules run over its records (and those of the rules'
 * look-back before the window, so a passage near the window's start still finds its ticket),
 * and each finding of the window not kept before is kept with the theft event it raises, in one
 * transaction per site. Returns the new events, by site, for folding.
 *
 * Each finding's tolerance is tightened by the site's posture at the finding's own time (the
 * profile's reconciliationFactor), so a raise judges what happens under it more strictly and
 * leaves what came before as it was.
 */
@Injectable()
export class ReconcileMaterialUseCase {
  private readonly logger = new Logger(ReconcileMaterialUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly postureCache: PostureHistoryCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(): Promise<Map<string, number[]>> {
    const now = this.clock.now();
    const { windowMs, settings } = this.config.material;
    const lookBackMs = Math.max(settings.gateWithinMs, settings.exitTicketWithinMs) + settings.clockSkewMs;
    const windowStart = new Date(now.getTime() - windowMs);
    const readFrom = new Date(windowStart.getTime() - lookBackMs);
    const raised = new Map<string, number[]>();
    let failed = 0;
    for (const siteId of await materialFindingsStore.sitesSince(this.db.pool, windowStart)) {
      try {
        const ids = await this.reconcileSite(siteId, { now, readFrom, windowStart });
        if (ids.length > 0) raised.set(siteId, ids);
      } catch (error) {
        // One site's failure (a stored record that no longer parses is a bug) does not hold the others up.
        failed += 1;
        this.logger.warn(`Could not reconcile the material records of ${siteId}: ${(error as Error).message}`);
      }
    }
    if (failed === 0) this.metrics.materialReconcileRuns.inc();
    return raised;
  }

  private async reconcileSite(
    siteId: string,
    window: { now: Date; readFrom: Date; windowStart: Date },
  ): Promise<number[]> {
    const { settings, severity } = this.config.material;
    const { now } = window;
    const records = await materialFindingsStore.records(this.db.pool, siteId, window.readFrom);
    const history = (await this.postureCache.forSites([siteId])).get(siteId);
    const toleranceFactor = reconciliationFactorAt(history, this.config.posture.profiles);
    const findings = reconcile(siteId, records, { now, settings, toleranceFactor }).filter(
      (f) => f.at >= window.windowStart,
    );
    if (findings.length === 0) return [];
    const stored = await this.db.transaction((tx) =>
      materialFindingsStore.raise(tx, findings, { now, severity, topicPrefix: this.config.mqtt.topicPrefix }),
    );
    for (const { finding } of stored) {
      this.metrics.materialFindings.inc({ rule: finding.rule });
      this.logger.log(`Material discrepancy at ${siteId} (${finding.rule}): ${finding.summary}`);
    }
    return stored.map((s) => s.id);
  }
}
