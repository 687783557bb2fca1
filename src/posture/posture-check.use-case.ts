import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { announcePosture } from './posture-notice';
import { applyPostureChange, lockSitePosture } from './posture-writes';
import type { PostureChangeRow, PostureFloorRow } from './posture.repository';
import { floorSites } from './posture.service';

/** Rows handled in one transaction. */
const BATCH = 100;

/**
 * The worker's posture check, run by every worker instance (rows are locked SKIP LOCKED, so
 * each is handled once):
 * - an entry past its expiry is replaced, from its expiry, by `normal` (set by `system`): the
 *   site returns to its floor or normal, in the history, the audit record and live;
 * - a floor past its expiry ends there;
 * - a change the site's operators have not acknowledged within POSTURE_ACK_WITHIN_MS is
 *   escalated to the leads, once: an audit entry and an `unacknowledged` live message.
 * postureAt already ignores an expired entry, so being late by an interval changes no decision.
 */
@Injectable()
export class PostureCheckUseCase {
  private readonly logger = new Logger(PostureCheckUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns how many entries, floors and changes it acted on. */
  async execute(now: Date): Promise<number> {
    let total = 0;
    // Each step takes a batch per transaction; a full batch means there may be more.
    for (let n = BATCH; n === BATCH;) total += n = await this.expireEntries(now);
    total += await this.expireFloors(now);
    for (let n = BATCH; n === BATCH;) total += n = await this.escalateUnacknowledged(now);
    return total;
  }

  private expireEntries(now: Date): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Each site's posture lock first, in site order, then its row: the order a lead's change
      // takes them in, so the check and a change (or two checks) never wait on each other in a circle.
      const { rows: due } = await tx.query<{ site_id: string }>(
        `SELECT site_id FROM posture_changes WHERE valid_to IS NULL AND expires_at <= $1 ORDER BY site_id LIMIT ${BATCH}`,
        [now],
      );
      const expiredSites: string[] = [];
      for (const { site_id: siteId } of due) {
        await lockSitePosture(tx, siteId);
        // Under the lock: another instance, or a lead's change, may have replaced it meanwhile.
        const { rows } = await tx.query<PostureChangeRow>(
          'SELECT * FROM posture_changes WHERE site_id = $1 AND valid_to IS NULL AND expires_at <= $2',
          [siteId, now],
        );
        const expired = rows[0];
        if (!expired) continue;
        const at = expired.expires_at!;
        const change = await applyPostureChange(
          tx,
          {
            siteId,
            level: 'normal',
            source: { scheme: 'oreguard', value: 'normal' },
            reason: `expired: ${expired.level} set by ${expired.set_by} (${expired.reason})`,
            setBy: 'system',
            setById: null,
            expiresAt: null,
          },
          at,
        );
        await this.audit.record(
          {
            actor: 'system',
            action: 'posture.expired',
            target: change.id,
            details: { siteId, expired: expired.id, level: expired.level, expiresAt: at.toISOString() },
          },
          tx,
        );
        expiredSites.push(siteId);
        this.logger.log(`Posture ${expired.level} of ${siteId} expired at ${at.toISOString()}`);
      }
      await announcePosture(
        tx,
        expiredSites.map((siteId) => ({ siteId, type: 'expired' as const })),
      );
      return due.length;
    });
  }

  private expireFloors(now: Date): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<PostureFloorRow>(
        `UPDATE posture_floors SET valid_to = expires_at
          WHERE id IN (SELECT id FROM posture_floors WHERE valid_to IS NULL AND expires_at <= $1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
        [now],
      );
      for (const floor of rows) {
        await this.audit.record(
          {
            actor: 'system',
            action: 'posture.floor-expired',
            target: floor.id,
            details: { scope: floor.scope, level: floor.level },
          },
          tx,
        );
        this.logger.log(`Posture floor ${floor.scope} (${floor.level}) expired`);
      }
      if (rows.length > 0)
        await announcePosture(
          tx,
          (await floorSites(tx, rows)).map((siteId) => ({ siteId, type: 'floor-changed' as const })),
        );
      return rows.length;
    });
  }

  private escalateUnacknowledged(now: Date): Promise<number> {
    const due = new Date(now.getTime() - this.config.posture.ackWithinMs);
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<PostureChangeRow>(
        `UPDATE posture_changes SET unacknowledged_escalated_at = $2
          WHERE id IN (SELECT id FROM posture_changes
                        WHERE valid_to IS NULL AND acknowledged_at IS NULL AND unacknowledged_escalated_at IS NULL AND valid_from <= $1
                        ORDER BY valid_from LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING *`,
        [due, now],
      );
      for (const change of rows) {
        await this.audit.record(
          {
            actor: 'system',
            action: 'posture.unacknowledged',
            target: change.id,
            details: {
              siteId: change.site_id,
              level: change.level,
              since: change.valid_from.toISOString(),
              waitedMs: now.getTime() - change.valid_from.getTime(),
            },
          },
          tx,
        );
        this.logger.warn(
          `Posture change ${change.id} at ${change.site_id} (${change.level}) not acknowledged by its operators: leads told`,
        );
      }
      await announcePosture(
        tx,
        rows.map((r) => ({ siteId: r.site_id, type: 'unacknowledged' as const })),
      );
      return rows.length;
    });
  }
}
