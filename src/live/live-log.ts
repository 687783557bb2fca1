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
 * incident changes they describe. Each site's counter row stays locked until commit, so
 * numbers are drawn in commit order and with no gap (an aborted transaction gives its numbers
 * back). Counter rows are locked in site order, so transactions never deadlock on them.
 */
export async function appendLiveMessages(
  tx: PoolClient,
  messages: { type: IncidentChangeType; incident: IncidentView }[],
): Promise<void> {
  if (messages.length === 0) return;
  const bySite = new Map<string, typeof messages>();
  for (const m of messages) bySite.set(m.incident.siteId, [...(bySite.get(m.incident.siteId) ?? []), m]);
  const sites = [...bySite.keys()].sort();
  const { rows } = await tx.query<{ site_id: string; last_seq: string }>(
    `INSERT INTO site_streams (site_id, last_seq)
     SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(site_id, n) ORDER BY site_id
     ON CONFLICT (site_id) DO UPDATE SET last_seq = site_streams.last_seq + EXCLUDED.last_seq
     RETURNING site_id, last_seq`,
    [sites, sites.map((site) => bySite.get(site)!.length)],
  );
  const ordered: { siteId: string; seq: number; type: IncidentChangeType; incident: IncidentView }[] = [];
  for (const row of rows) {
    const siteMessages = bySite.get(row.site_id)!;
    const first = Number(row.last_seq) - siteMessages.length + 1;
    siteMessages.forEach((m, i) => ordered.push({ siteId: row.site_id, seq: first + i, ...m }));
  }
  await tx.query(
    `INSERT INTO live_messages (site_id, seq, type, incident_id, payload)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::uuid[], $5::jsonb[])`,
    [
      ordered.map((m) => m.siteId),
      ordered.map((m) => m.seq),
      ordered.map((m) => m.type),
      ordered.map((m) => m.incident.id),
      ordered.map((m) => JSON.stringify(m.incident)),
    ],
  );
  // Delivered to listeners only when (and if) the transaction commits.
  await tx.query('SELECT pg_notify($1, s) FROM unnest($2::text[]) AS s', [
    LIVE_CHANNEL,
    rows.map((r) => `${r.site_id}:${r.last_seq}`),
  ]);
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

  /** For each (site, seq): the site's messages after that seq, in one query. */
  async afterEach(cursors: [string, number][], limitPerSite = 1000): Promise<Map<string, LiveMessage[]>> {
    const rows = await this.db.query<{ site_id: string; seq: string; type: IncidentChangeType; payload: IncidentView }>(
      `SELECT m.site_id, m.seq, m.type, m.payload
         FROM unnest($1::text[], $2::bigint[]) AS c(site_id, after)
         CROSS JOIN LATERAL (
           SELECT site_id, seq, type, payload FROM live_messages
            WHERE site_id = c.site_id AND seq > c.after ORDER BY seq LIMIT $3
         ) m
        ORDER BY m.site_id, m.seq`,
      [cursors.map((c) => c[0]), cursors.map((c) => c[1]), limitPerSite],
    );
    const bySite = new Map<string, LiveMessage[]>(cursors.map(([siteId]) => [siteId, []]));
    for (const r of rows) {
      bySite.get(r.site_id)!.push({ siteId: r.site_id, seq: Number(r.seq), type: r.type, incident: r.payload });
    }
    return bySite;
  }

  async latestSeqs(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ site_id: string; last_seq: string }>(
      'SELECT site_id, last_seq FROM site_streams',
    );
    return new Map(rows.map((r) => [r.site_id, Number(r.last_seq)]));
  }
}
