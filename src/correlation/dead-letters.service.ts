import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import type { Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { ApplicationError } from 'src/platform/application-error';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import { SqlFilter } from 'src/platform/sql-filter';
import type { DeadLetterQuery, DeadLetterRetry } from './dead-letters.http';
import { FoldQueue } from './fold-queue';
import type { FoldJobData } from './fold.jobs';

interface DeadLetterRow {
  id: string;
  site_id: string;
  gateway_id: string;
  event_id: string;
  kind: string;
  occurred_at: Date;
  stored_at: Date;
  fold_error: string;
}

/** How many failed jobs one retry looks through for those it made obsolete. */
const FAILED_JOBS_SCANNED = 5000;

function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins handle dead letters');
}

/**
 * The dead letters (events whose fold job failed every attempt: events.fold_error is set), for
 * admins: listed, and retried once the cause is fixed. A retry clears fold_error, so the events
 * are unfolded again and folded like any other: queued now, or by the re-queue sweep if Redis is
 * away. The failed jobs that held only retried events are removed from the queue's failed set,
 * since they no longer stand for anything; a failed job still holding a dead letter stays.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(
    private readonly db: Db,
    private readonly foldQueue: FoldQueue,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, query: DeadLetterQuery) {
    requireAdmin(principal);
    const cursor = query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined;
    const filter = new SqlFilter().add('site_id = ?', query.siteId).add('id > ?::bigint', cursor?.id);
    const rows = await this.db.withoutTableScans((tx) =>
      tx
        .query<DeadLetterRow>(
          `SELECT id, site_id, gateway_id, event_id, kind, occurred_at, stored_at, fold_error
             FROM events ${filter.where ? `${filter.where} AND` : 'WHERE'} fold_error IS NOT NULL ORDER BY id LIMIT ${filter.param(query.limit + 1)}`,
          filter.params,
        )
        .then((r) => r.rows),
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.stored_at, r.id]);
    return {
      items: page.map((r) => ({
        id: Number(r.id),
        siteId: r.site_id,
        gatewayId: r.gateway_id,
        eventId: r.event_id,
        kind: r.kind,
        occurredAt: r.occurred_at.toISOString(),
        storedAt: r.stored_at.toISOString(),
        error: r.fold_error,
      })),
      nextCursor,
    };
  }

  async retry(principal: Principal, body: DeadLetterRetry, ip?: string) {
    requireAdmin(principal);
    const bySite = 'siteId' in body;
    const rows = await this.db.query<{ id: string }>(
      `UPDATE events SET fold_error = NULL
        WHERE fold_error IS NOT NULL AND folded_at IS NULL AND ${bySite ? 'site_id = $1' : 'id = ANY($1::bigint[])'}
        RETURNING id`,
      [bySite ? body.siteId : body.ids],
    );
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    await this.audit.record({
      actor: principal,
      action: 'dead-letters.retried',
      target: bySite ? body.siteId : undefined,
      details: { retried: ids.length, ...(bySite ? {} : { ids: body.ids }) },
      ip,
    });
    let queued = false;
    if (ids.length > 0) {
      // First, so that a failed job with the id the new one would take no longer holds it.
      await this.removeObsoleteFailedJobs().catch((error: Error) =>
        this.logger.warn(`Failed jobs not tidied: ${error.message}`),
      );
      try {
        await this.foldQueue.enqueue('retry', ids, { timeoutMs: 5_000 });
        queued = true;
      } catch (error) {
        this.logger.warn(
          `Retried dead letters not queued (the re-queue sweep will fold them): ${(error as Error).message}`,
        );
      }
    }
    return { retried: ids.length, ids, queued };
  }

  /** Removes the failed fold jobs none of whose events is still a dead letter. */
  private async removeObsoleteFailedJobs(): Promise<number> {
    if (!this.foldQueue.available) return 0;
    const failed = await this.foldQueue.queue.getFailed(0, FAILED_JOBS_SCANNED - 1);
    const jobs = failed.filter((j): j is NonNullable<typeof j> & { data: FoldJobData } =>
      Array.isArray(j?.data?.eventIds),
    );
    if (jobs.length === 0) return 0;
    const all = [...new Set(jobs.flatMap((j) => j.data.eventIds))];
    const stillDead = new Set(
      (
        await this.db.query<{ id: string }>(
          'SELECT id FROM events WHERE id = ANY($1::bigint[]) AND fold_error IS NOT NULL',
          [all],
        )
      ).map((r) => Number(r.id)),
    );
    let removed = 0;
    for (const job of jobs) {
      if (job.data.eventIds.some((id) => stillDead.has(Number(id)))) continue;
      await job.remove().catch(() => undefined);
      removed++;
    }
    return removed;
  }
}
