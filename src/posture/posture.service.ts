import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { requireLead } from 'src/auth/site-scope';
import { Db, type Queryable } from 'src/database/db';
import { decideApproval, decideChange, type PostureChangeSpec } from 'src/domain/posture/posture-change';
import { levelOfSource } from 'src/domain/posture/posture-source';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { announcePosture } from './posture-notice';
import { applyPostureChange, lockSitePosture } from './posture-writes';
import type { FloorRequest, PostureHistoryQuery, PostureView } from './posture.http';
import {
  postureChangeView,
  postureFloorView,
  postureLoweringView,
  postureReads,
  toPendingLowering,
  type PostureFloorRow,
  type PostureLoweringRow,
} from './posture.repository';

/** The posture of a site as GET /sites/{id}/posture and the /live `posture` event show it. */
export async function readPostureView(q: Queryable, siteId: string, now: Date): Promise<PostureView> {
  const current = await postureReads.current(q, siteId, now);
  // An entry past its expiry (not yet recorded by the check) is no longer in force.
  const change = current.change && current.inForce.entry ? current.change : null;
  return {
    siteId,
    level: current.inForce.level,
    own: current.inForce.own,
    floor: current.inForce.floor,
    reason: change?.reason ?? null,
    source: change?.source ?? null,
    expiresAt: change?.expires_at?.toISOString() ?? null,
    change: change ? postureChangeView(change) : null,
    floorEntry: current.floor ? postureFloorView(current.floor) : null,
    pendingLowering: current.pending ? postureLoweringView(current.pending) : null,
    acks: current.change ? await postureReads.acks(q, current.change.id) : [],
  };
}

/**
 * Site threat posture: leads set it (a lowering waits for a second lead), admins set floors,
 * the site's operators acknowledge each change. Every change is in the audit record and
 * announced live; an operator of another site gets a 404, as for a site that does not exist.
 */
@Injectable()
export class PostureService {
  private readonly logger = new Logger(PostureService.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async get(principal: Principal, siteId: string): Promise<PostureView> {
    await this.requireVisibleSite(principal, siteId);
    return readPostureView(this.db.pool, siteId, this.clock.now());
  }

  async history(principal: Principal, siteId: string, query: PostureHistoryQuery) {
    await this.requireVisibleSite(principal, siteId);
    const [changes, floors] = await Promise.all([
      postureReads.history(this.db.pool, siteId, query.from, query.to),
      postureReads.floorsOver(this.db.pool, siteId, query.from, query.to),
    ]);
    return { siteId, changes: changes.map(postureChangeView), floors: floors.map(postureFloorView) };
  }

  /** 200 with the posture when the change applies; 202 with the lowering when it waits for another lead. */
  async set(
    principal: Principal,
    siteId: string,
    spec: PostureChangeSpec,
    ip?: string,
  ): Promise<{ status: 200 | 202; body: unknown }> {
    requireLead(principal);
    await this.requireVisibleSite(principal, siteId);
    const now = this.clock.now();
    const outcome = await this.db.transaction(async (tx) => {
      await lockSitePosture(tx, siteId);
      const current = await postureReads.current(tx, siteId, now);
      const decision = decideChange(spec, { own: current.inForce.own, floor: current.inForce.floor }, now);
      if (!decision.ok) {
        throw new ApplicationError(
          decision.error === 'below-floor' ? 'resource.conflict' : 'request.invalid',
          decision.message,
        );
      }
      const details = {
        siteId,
        from: current.inForce.level,
        level: spec.level,
        source: spec.source,
        reason: spec.reason,
        expiresAt: spec.expiresAt?.toISOString() ?? null,
      };
      if (decision.action === 'await-approval') {
        await tx.query(
          `UPDATE posture_lowerings SET status = 'superseded', decided_at = $2 WHERE site_id = $1 AND status = 'pending'`,
          [siteId, now],
        );
        const { rows } = await tx.query<PostureLoweringRow>(
          `INSERT INTO posture_lowerings (id, site_id, level, source, reason, expires_at, requested_by, requested_by_id, requested_at, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') RETURNING *`,
          [
            randomUUID(),
            siteId,
            spec.level,
            JSON.stringify(spec.source),
            spec.reason,
            spec.expiresAt ?? null,
            principal.username,
            principal.userId,
            now,
          ],
        );
        await this.audit.record(
          { actor: principal, action: 'posture.lowering-requested', target: rows[0].id, details, ip },
          tx,
        );
        await announcePosture(tx, [{ siteId, type: 'lowering-requested' }]);
        return { status: 202 as const, lowering: rows[0] };
      }
      const change = await applyPostureChange(
        tx,
        {
          siteId,
          level: spec.level,
          source: spec.source,
          reason: spec.reason,
          setBy: principal.username,
          setById: principal.userId,
          expiresAt: spec.expiresAt ?? null,
        },
        now,
      );
      await this.audit.record({ actor: principal, action: 'posture.changed', target: change.id, details, ip }, tx);
      await announcePosture(tx, [{ siteId, type: 'changed' }]);
      return { status: 200 as const };
    });
    if (outcome.status === 202) {
      this.logger.log(
        `Posture of ${siteId}: lowering to ${spec.level} requested by ${principal.username}, awaiting a second lead`,
      );
      return { status: 202, body: postureLoweringView(outcome.lowering) };
    }
    this.logger.log(`Posture of ${siteId} set to ${spec.level} by ${principal.username}`);
    return { status: 200, body: await readPostureView(this.db.pool, siteId, this.clock.now()) };
  }

  /** A second lead approves a waiting lowering; it then applies, in the requester's name with the approver's. */
  async approve(principal: Principal, siteId: string, loweringId: string, ip?: string): Promise<PostureView> {
    requireLead(principal);
    await this.requireVisibleSite(principal, siteId);
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await lockSitePosture(tx, siteId);
      const { rows } = await tx.query<PostureLoweringRow>(
        'SELECT * FROM posture_lowerings WHERE id = $1 AND site_id = $2',
        [loweringId, siteId],
      );
      const lowering = rows[0];
      if (!lowering) throw new ApplicationError('resource.not-found', `Lowering ${loweringId} not found at ${siteId}`);
      const current = await postureReads.current(tx, siteId, now);
      const decision = decideApproval(toPendingLowering(lowering), principal.userId, current.inForce.floor, now);
      if (!decision.ok)
        throw new ApplicationError(
          decision.error === 'own-request' ? 'auth.forbidden' : 'resource.conflict',
          decision.message,
        );
      await tx.query(
        `UPDATE posture_lowerings SET status = 'approved', decided_by = $2, decided_at = $3 WHERE id = $1`,
        [loweringId, principal.username, now],
      );
      const change = await applyPostureChange(
        tx,
        {
          siteId,
          level: lowering.level,
          source: lowering.source,
          reason: lowering.reason,
          setBy: lowering.requested_by,
          setById: lowering.requested_by_id,
          approvedBy: principal.username,
          expiresAt: lowering.expires_at,
        },
        now,
      );
      await tx.query('UPDATE posture_lowerings SET change_id = $2 WHERE id = $1', [loweringId, change.id]);
      await this.audit.record(
        {
          actor: principal,
          action: 'posture.lowering-approved',
          target: change.id,
          details: {
            siteId,
            loweringId,
            from: current.inForce.level,
            level: lowering.level,
            requestedBy: lowering.requested_by,
            reason: lowering.reason,
          },
          ip,
        },
        tx,
      );
      await announcePosture(tx, [{ siteId, type: 'changed' }]);
    });
    this.logger.log(`Posture of ${siteId} lowered (lowering ${loweringId} approved by ${principal.username})`);
    return readPostureView(this.db.pool, siteId, this.clock.now());
  }

  /** An operator of the site has read the change. Acknowledging again changes nothing. */
  async acknowledge(principal: Principal, siteId: string, changeId: string, ip?: string): Promise<PostureView> {
    await this.requireVisibleSite(principal, siteId);
    if (principal.role !== 'operator')
      throw new ApplicationError('auth.forbidden', "A posture change is acknowledged by the site's operators");
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'SELECT id FROM posture_changes WHERE id = $1 AND site_id = $2 FOR UPDATE',
        [changeId, siteId],
      );
      if (!rows[0])
        throw new ApplicationError('resource.not-found', `changeId: no posture change ${changeId} at ${siteId}`);
      const { rowCount } = await tx.query(
        'INSERT INTO posture_acks (change_id, user_id, username, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [changeId, principal.userId, principal.username, now],
      );
      if (!rowCount) return;
      await tx.query(
        'UPDATE posture_changes SET acknowledged_at = COALESCE(acknowledged_at, $2), acknowledged_by = COALESCE(acknowledged_by, $3) WHERE id = $1',
        [changeId, now, principal.username],
      );
      await this.audit.record(
        { actor: principal, action: 'posture.acknowledged', target: changeId, details: { siteId }, ip },
        tx,
      );
      await announcePosture(tx, [{ siteId, type: 'acknowledged' }]);
    });
    return readPostureView(this.db.pool, siteId, this.clock.now());
  }

  async listFloors(principal: Principal) {
    requireLead(principal);
    const rows = await this.db.query<PostureFloorRow>(
      'SELECT * FROM posture_floors WHERE valid_to IS NULL ORDER BY scope',
    );
    return { items: rows.map(postureFloorView) };
  }

  /** Admins: the floor of the company or of a region (its sites named); `normal` lifts it. */
  async setFloor(principal: Principal, scope: string, spec: FloorRequest, ip?: string) {
    if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins set posture floors');
    const company = scope === 'company';
    if (company && spec.siteIds)
      throw new ApplicationError('request.invalid', 'siteIds: the company floor covers every site; leave it out');
    if (!company && !spec.siteIds)
      throw new ApplicationError('request.invalid', `siteIds: required: the sites of region ${scope}`);
    const sourced = levelOfSource(spec.source);
    if (sourced !== spec.level)
      throw new ApplicationError(
        'request.invalid',
        `level: ${spec.source.scheme} ${spec.source.value} is ${sourced}, not ${spec.level}`,
      );
    const now = this.clock.now();
    if (spec.expiresAt && spec.expiresAt <= now)
      throw new ApplicationError('request.invalid', 'expiresAt: must be in the future');
    const siteIds = spec.siteIds ? [...new Set(spec.siteIds)] : null;
    if (siteIds) {
      const known = new Set(
        (await this.db.query<{ id: string }>('SELECT id FROM sites WHERE id = ANY($1)', [siteIds])).map((r) => r.id),
      );
      const unknown = siteIds.find((id) => !known.has(id));
      if (unknown) throw new ApplicationError('request.invalid', `siteIds: no site ${unknown}`);
    }
    const row = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('posture-floors'))`);
      const { rows: ended } = await tx.query<PostureFloorRow>(
        'UPDATE posture_floors SET valid_to = GREATEST(valid_from, $2) WHERE scope = $1 AND valid_to IS NULL RETURNING *',
        [scope, now],
      );
      const { rows } = await tx.query<PostureFloorRow>(
        `INSERT INTO posture_floors (id, scope, site_ids, level, source, reason, set_by, set_by_id, valid_from, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          randomUUID(),
          scope,
          siteIds,
          spec.level,
          JSON.stringify(spec.source),
          spec.reason,
          principal.username,
          principal.userId,
          now,
          spec.expiresAt ?? null,
        ],
      );
      await this.audit.record(
        {
          actor: principal,
          action: 'posture.floor-set',
          target: rows[0].id,
          details: { ...postureFloorView(rows[0]), replaced: ended[0]?.id ?? null },
          ip,
        },
        tx,
      );
      await announcePosture(
        tx,
        (await floorSites(tx, [...ended, rows[0]])).map((siteId) => ({ siteId, type: 'floor-changed' as const })),
      );
      return rows[0];
    });
    this.logger.log(`Posture floor ${scope} set to ${spec.level} by ${principal.username}`);
    return postureFloorView(row);
  }

  private async requireVisibleSite(principal: Principal, siteId: string): Promise<void> {
    const [site] = canSeeSite(principal, siteId)
      ? await this.db.query('SELECT 1 FROM sites WHERE id = $1', [siteId])
      : [];
    if (!site) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
  }
}

/** The sites the floors cover: the listed ones, or every site for a company floor. */
export async function floorSites(q: Queryable, floors: readonly PostureFloorRow[]): Promise<string[]> {
  if (floors.some((f) => f.site_ids === null)) {
    const { rows } = await q.query<{ id: string }>('SELECT id FROM sites ORDER BY id');
    return rows.map((r) => r.id);
  }
  return [...new Set(floors.flatMap((f) => f.site_ids ?? []))];
}
