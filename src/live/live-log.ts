import type { PoolClient } from 'pg';
import type { IncidentChangeType } from 'src/domain/incidents/incident';
import type { IncidentView } from 'src/incidents/incident.repository';
import type { Db } from 'src/database/db';

export const LIVE_CHANNEL = 'oreguard_live';

/** The `incident` message of the contract, section 2. */
export interface LiveMessage {
  siteId: string;
  seq: number;
  type: IncidentChangeType;
  incident: IncidentView;
}

/**
 * The per-site live message log. Messages are appended in the same transaction as the
 * incident change they describe. The site's counter row is locked until commit, so numbers
 * are drawn in commit order and with no gap (an aborted transaction gives its numbers back).
 */
export async function appendLiveMessages(
  tx: PoolClient,
  siteId: string,
  messages: { type: IncidentChangeType; incident: IncidentView }[],
): Promise<void> {
  if (messages.length === 0) return;
  const { rows } = await tx.query<{ last_seq: string }>(
    `INSERT INTO site_streams (site_id, last_seq) VALUES ($1, $2)
     ON CONFLICT (site_id) DO UPDATE SET last_seq = site_streams.last_seq + EXCLUDED.last_seq
     RETURNING last_seq`,
    [siteId, messages.length],
  );
  const last = Number(rows[0].last_seq);
  const first = last - messages.length + 1;
  await tx.query(
    `INSERT INTO live_messages (site_id, seq, type, incident_id, payload)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::uuid[], $5::jsonb[])`,
    [
      siteId,
      messages.map((_, i) => first + i),
      messages.map((m) => m.type),
      messages.map((m) => m.incident.id),
      messages.map((m) => JSON.stringify(m.incident)),
    ],
  );
  // Delivered to listeners only when (and if) the transaction commits.
  await tx.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, `${siteId}:${last}`]);
}

/** Reading the log back: for live fan-out and for `resume`. */
export class LiveLogReader {
  constructor(private readonly db: Db) {}

  async after(siteId: string, afterSeq: number, limit = 1000): Promise<LiveMessage[]> {
    const rows = await this.db.query<{ seq: string; type: IncidentChangeType; payload: IncidentView }>(
      `SELECT seq, type, payload FROM live_messages WHERE site_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [siteId, afterSeq, limit],
    );
    return rows.map((r) => ({ siteId, seq: Number(r.seq), type: r.type, incident: r.payload }));
  }

  async latestSeqs(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ site_id: string; last_seq: string }>(
      'SELECT site_id, last_seq FROM site_streams',
    );
    return new Map(rows.map((r) => [r.site_id, Number(r.last_seq)]));
  }
}
