import { randomUUID } from 'node:crypto';
import type { Queryable } from 'src/database/db';
import type { PostureLevel } from 'src/domain/posture/posture-level';
import type { PostureSource } from 'src/domain/posture/posture-source';
import type { PostureChangeRow } from './posture.repository';

export interface NewPostureChange {
  siteId: string;
  level: PostureLevel;
  source: PostureSource;
  reason: string;
  setBy: string;
  setById: string | null;
  approvedBy?: string;
  expiresAt: Date | null;
}

/**
 * Serialises the changes of one site (a lead's PUT, another's approval, the expiry check): a
 * transaction lock on the site's posture, not on the `sites` row that every stored event's
 * foreign key reads.
 */
export async function lockSitePosture(tx: Queryable, siteId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('posture:' || $1))`, [siteId]);
}

/**
 * Makes `change` the site's entry from `at`: the entry it replaces ends there, and a lowering
 * still waiting is superseded (it asked to lower what is no longer in force). Call it holding
 * lockSitePosture.
 */
export async function applyPostureChange(tx: Queryable, change: NewPostureChange, at: Date): Promise<PostureChangeRow> {
  await tx.query(
    'UPDATE posture_changes SET valid_to = GREATEST(valid_from, $2) WHERE site_id = $1 AND valid_to IS NULL',
    [change.siteId, at],
  );
  await tx.query(
    `UPDATE posture_lowerings SET status = 'superseded', decided_at = $2 WHERE site_id = $1 AND status = 'pending'`,
    [change.siteId, at],
  );
  const { rows } = await tx.query<PostureChangeRow>(
    `INSERT INTO posture_changes (id, site_id, level, source, reason, set_by, set_by_id, approved_by, valid_from, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [
      randomUUID(),
      change.siteId,
      change.level,
      JSON.stringify(change.source),
      change.reason,
      change.setBy,
      change.setById,
      change.approvedBy ?? null,
      at,
      change.expiresAt,
    ],
  );
  return rows[0];
}
