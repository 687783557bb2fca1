import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { MISSED_HEARTBEATS, observeSilence } from 'src/domain/health/gateway-health';
import { appendLiveMessages, type NewLiveMessage } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { drainBatches } from 'src/platform/periodic-task';
import { applyHealthTransitions, lockGatewayHealth, type HealthEffect } from './health-changes';
import { logHealthEffects } from './health-log';

/** Gateways taken offline in one transaction. */
const BATCH = 100;

/**
 * Takes offline every online gateway not heard from for three heartbeat intervals. Each batch
 * is one transaction: the silent gateways are locked, skipping those another transaction holds
 * (another instance's check, or an ingest batch applying the very heartbeat that saves them),
 * and their state, history, tamper events, incidents and live messages commit together: any
 * number of worker instances may run this, and each silence is acted on once.
 */
@Injectable()
export class HeartbeatCheckUseCase {
  private readonly logger = new Logger(HeartbeatCheckUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns how many gateways it took offline. */
  async execute(): Promise<number> {
    return drainBatches(
      BATCH,
      () => this.batch(),
      (effects) => logHealthEffects(this.logger, this.metrics, effects.flat()),
    );
  }

  private batch(): Promise<HealthEffect[][]> {
    const intervalMs = this.config.health.heartbeatIntervalMs;
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const { rows } = await tx.query<{ site_id: string; id: string; last_heard_at: Date }>(
        `SELECT site_id, id, last_heard_at FROM gateways
          WHERE state = 'online' AND last_heard_at <= $1::timestamptz - make_interval(secs => $2::double precision / 1000)
          ORDER BY site_id, id LIMIT $3
          FOR NO KEY UPDATE SKIP LOCKED`,
        [now, MISSED_HEARTBEATS * intervalMs, BATCH],
      );
      const live: NewLiveMessage[] = [];
      const all: HealthEffect[][] = [];
      for (const row of rows) {
        const current = await lockGatewayHealth(tx, row.site_id, row.id);
        const observed = observeSilence(current, row.id, row.last_heard_at, now, intervalMs);
        if (!observed.applied) continue;
        await tx.query(`UPDATE gateways SET state = 'offline', state_reason = $3 WHERE site_id = $1 AND id = $2`, [
          row.site_id,
          row.id,
          observed.transitions[0]!.reason,
        ]);
        all.push(
          await applyHealthTransitions(tx, row.site_id, row.id, observed.transitions, {
            severity: this.config.health.incidentSeverity,
            topicPrefix: this.config.mqtt.topicPrefix,
            now,
            raw: JSON.stringify({ silentSince: row.last_heard_at.toISOString(), checkedAt: now.toISOString() }),
            live,
          }),
        );
      }
      await appendLiveMessages(tx, live);
      return all;
    });
  }
}
