import type { Queryable } from 'src/database/db';
import { postureAt, type PostureEntry, type PostureFloor, type PostureInForce } from 'src/domain/posture/posture-at';
import type { PendingLowering } from 'src/domain/posture/posture-change';
import type { PostureLevel } from 'src/domain/posture/posture-level';
import type { PostureSource } from 'src/domain/posture/posture-source';

export interface PostureChangeRow {
  id: string;
  site_id: string;
  level: PostureLevel;
  source: PostureSource;
  reason: string;
  set_by: string;
  set_by_id: string | null;
  approved_by: string | null;
  valid_from: Date;
  valid_to: Date | null;
  expires_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  unacknowledged_escalated_at: Date | null;
}

export interface PostureFloorRow {
  id: string;
  scope: string;
  site_ids: string[] | null;
  level: PostureLevel;
  source: PostureSource;
  reason: string;
  set_by: string;
  valid_from: Date;
  valid_to: Date | null;
  expires_at: Date | null;
}

export interface PostureLoweringRow {
  id: string;
  site_id: string;
  level: PostureLevel;
  source: PostureSource;
  reason: string;
  expires_at: Date | null;
  requested_by: string;
  requested_by_id: string;
  requested_at: Date;
  status: PendingLowering['status'];
  decided_by: string | null;
  decided_at: Date | null;
  change_id: string | null;
}

export function toPostureEntry(row: PostureChangeRow): PostureEntry {
  return { id: row.id, level: row.level, validFrom: row.valid_from, validTo: row.valid_to, expiresAt: row.expires_at };
}

export function toPostureFloor(row: PostureFloorRow): PostureFloor {
  return {
    id: row.id,
    level: row.level,
    region: row.scope === 'company' ? null : row.scope,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    expiresAt: row.expires_at,
  };
}

export function toPendingLowering(row: PostureLoweringRow): PendingLowering {
  return {
    id: row.id,
    siteId: row.site_id,
    level: row.level,
    expiresAt: row.expires_at,
    requestedById: row.requested_by_id,
    status: row.status,
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function postureChangeView(row: PostureChangeRow) {
  return {
    changeId: row.id,
    level: row.level,
    source: row.source,
    reason: row.reason,
    setBy: row.set_by,
    approvedBy: row.approved_by,
    validFrom: row.valid_from.toISOString(),
    validTo: iso(row.valid_to),
    expiresAt: iso(row.expires_at),
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
  };
}

export function postureFloorView(row: PostureFloorRow) {
  return {
    id: row.id,
    scope: row.scope,
    siteIds: row.site_ids,
    level: row.level,
    source: row.source,
    reason: row.reason,
    setBy: row.set_by,
    validFrom: row.valid_from.toISOString(),
    validTo: iso(row.valid_to),
    expiresAt: iso(row.expires_at),
  };
}

export function postureLoweringView(row: PostureLoweringRow) {
  return {
    id: row.id,
    siteId: row.site_id,
    level: row.level,
    source: row.source,
    reason: row.reason,
    expiresAt: iso(row.expires_at),
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    changeId: row.change_id,
  };
}

/** A site's posture as it stands: what is in force, the entry and floor behind it, what waits. */
export interface SitePosture {
  siteId: string;
  inForce: PostureInForce;
  change: PostureChangeRow | null;
  floor: PostureFloorRow | null;
  pending: PostureLoweringRow | null;
}

/** The floors over a site: the company's and those of each region naming it. */
const FLOORS_OVER_SITE = `(site_ids IS NULL OR $1 = ANY (site_ids))`;

/** Posture reads, inside the caller's transaction or not. */
export const postureReads = {
  /** The site's history entries overlapping [from, to) (all of it when unbounded), oldest first. */
  async history(q: Queryable, siteId: string, from?: Date, to?: Date): Promise<PostureChangeRow[]> {
    const { rows } = await q.query<PostureChangeRow>(
      `SELECT * FROM posture_changes
        WHERE site_id = $1 AND ($2::timestamptz IS NULL OR valid_to IS NULL OR valid_to > $2)
          AND ($3::timestamptz IS NULL OR valid_from < $3)
        ORDER BY valid_from, id`,
      [siteId, from ?? null, to ?? null],
    );
    return rows;
  },

  async floorsOver(q: Queryable, siteId: string, from?: Date, to?: Date): Promise<PostureFloorRow[]> {
    const { rows } = await q.query<PostureFloorRow>(
      `SELECT * FROM posture_floors
        WHERE ${FLOORS_OVER_SITE} AND ($2::timestamptz IS NULL OR valid_to IS NULL OR valid_to > $2)
          AND ($3::timestamptz IS NULL OR valid_from < $3)
        ORDER BY valid_from, id`,
      [siteId, from ?? null, to ?? null],
    );
    return rows;
  },

  /** The site's posture at `now`, by the domain's postureAt over its latest entry and the floors in force. */
  async current(q: Queryable, siteId: string, now: Date): Promise<SitePosture> {
    const { rows: changes } = await q.query<PostureChangeRow>(
      'SELECT * FROM posture_changes WHERE site_id = $1 AND valid_to IS NULL',
      [siteId],
    );
    const { rows: floors } = await q.query<PostureFloorRow>(
      `SELECT * FROM posture_floors WHERE ${FLOORS_OVER_SITE} AND valid_to IS NULL`,
      [siteId],
    );
    const { rows: pending } = await q.query<PostureLoweringRow>(
      `SELECT * FROM posture_lowerings WHERE site_id = $1 AND status = 'pending'`,
      [siteId],
    );
    const inForce = postureAt(changes.map(toPostureEntry), floors.map(toPostureFloor), now);
    return {
      siteId,
      inForce,
      change: changes[0] ?? null,
      floor: floors.find((f) => f.id === inForce.floorEntry?.id) ?? null,
      pending: pending[0] ?? null,
    };
  },

  /** Every site whose posture now is above normal, with its level (for escalation, which follows the posture now). */
  async raisedNow(q: Queryable, now: Date): Promise<Map<string, PostureLevel>> {
    const { rows } = await q.query<{ id: string; level: PostureLevel }>(
      `SELECT id, level FROM (SELECT id, posture_level_at(id, $1) AS level FROM sites) s WHERE level <> 'normal'`,
      [now],
    );
    return new Map(rows.map((r) => [r.id, r.level]));
  },

  async acks(q: Queryable, changeId: string): Promise<{ username: string; at: string }[]> {
    const { rows } = await q.query<{ username: string; at: Date }>(
      'SELECT username, at FROM posture_acks WHERE change_id = $1 ORDER BY at',
      [changeId],
    );
    return rows.map((r) => ({ username: r.username, at: r.at.toISOString() }));
  },
};
