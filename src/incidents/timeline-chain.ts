import type { Queryable } from 'src/database/db';
import { timelineCanonical, type TimelineLink } from 'src/domain/audit/canonical-json';
import { verifyChain, type ChainReport, type CheckedCheckpoint } from 'src/audit/chain-report';

interface TimelineRow {
  id: string;
  incident_id: string;
  chain_seq: number;
  at: Date;
  actor: string;
  action: string;
  details: object;
  prev_hash: string;
  hash: string;
}

/** A timeline entry with its place in the incident's chain, as the evidence bundle shows it. */
export type ChainedTimelineEntry = TimelineLink & { id: number; hash: string };

function toEntry(row: TimelineRow): ChainedTimelineEntry {
  return {
    id: Number(row.id),
    incidentId: row.incident_id,
    seq: row.chain_seq,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Reads an incident's timeline chain in order of position, a page at a time. */
export async function timelinePage(
  db: Queryable,
  incidentId: string,
  afterSeq: number,
  limit: number,
): Promise<ChainedTimelineEntry[]> {
  const { rows } = await db.query<TimelineRow>(
    `SELECT id, incident_id, chain_seq, at, actor, action, details, prev_hash, hash FROM incident_timeline
      WHERE incident_id = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT $3`,
    [incidentId, afterSeq, limit],
  );
  return rows.map(toEntry);
}

/**
 * Recomputes an incident's timeline chain and holds it to its latest checkpoint (read before
 * the chain): intact, or its first broken entry (or the entries missing) and why.
 */
export function verifyTimeline(
  db: Queryable,
  incidentId: string,
  checkpoint?: CheckedCheckpoint,
): Promise<ChainReport> {
  return verifyChain<ChainedTimelineEntry>(
    (after, limit) => timelinePage(db, incidentId, after, limit),
    timelineCanonical,
    checkpoint,
  );
}
