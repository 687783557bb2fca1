import type { IncidentChangeType } from 'src/domain/incidents/incident';
import type { IncidentView } from 'src/incidents/incident.repository';
import { prepared, type Db, type Queryable } from 'src/database/db';

export const LIVE_CHANNEL = 'oreguard_live';

/** The `incident` message of the contract, section 2. */
export interface LiveMessage {
  siteId: string;
  seq: number;
  type: IncidentChangeType;
  incident: IncidentView;
}

/** A message to append: what happened to an incident, and the incident as it now is. */
export interface NewLiveMessage {
  type: IncidentChangeType;
  incident: IncidentView;
}

/**
 * The per-site live message log. Messages are appended in the same transaction as the
 * incident changes they describe. Each site's counter row stays locked until commit, so
 * numbers are drawn in commit order and with no gap (an aborted transaction gives its numbers
 * back). Counter rows are locked in site order, so transactions never deadlock on them.
 * Returns the messages with their numbers (for CommittedLive, once committed).
 */
export async function appendLiveMessages(tx: Queryable, messages: NewLiveMessage[]): Promise<LiveMessage[]> {
  if (messages.length === 0) return [];
  const { ctes, select } = liveAppendSql(1);
  const { rows } = await tx.query<LiveAppendRow>(
    prepared('live-append', `WITH ${ctes} ${select}`, liveAppendParams(messages)),
  );
  return numberedLiveMessages(messages, rows);
}

/** What liveAppendSql's SELECT returns: each site's last number. */
export interface LiveAppendRow {
  site_id: string;
  last_seq: string;
}

/**
 * The parts of a statement that appends live messages, so a writer can put them in its own
 * statement (applyFold does): CTEs that draw each site's numbers (counter rows locked in site
 * order) and write the messages numbered in the order given, and the SELECT that notifies and
 * returns each site's last number. Parameters from $first: liveAppendParams.
 */
export function liveAppendSql(first: number): { ctes: string; select: string } {
  return {
    ctes: `live_in AS (
         SELECT site_id, type, incident_id, payload,
                row_number() OVER (PARTITION BY site_id ORDER BY ord) AS k,
                count(*) OVER (PARTITION BY site_id) AS n
           FROM ROWS FROM (json_to_recordset($${first}::json) AS (site_id text, type text, incident_id uuid, payload jsonb))
             WITH ORDINALITY AS t(site_id, type, incident_id, payload, ord)
       ),
       live_streams AS (
         INSERT INTO site_streams (site_id, last_seq)
         SELECT site_id, count(*) FROM live_in GROUP BY site_id ORDER BY site_id
         ON CONFLICT (site_id) DO UPDATE SET last_seq = site_streams.last_seq + EXCLUDED.last_seq
         RETURNING site_id, last_seq
       ),
       live_written AS (
         INSERT INTO live_messages (site_id, seq, type, incident_id, payload)
         SELECT m.site_id, s.last_seq - m.n + m.k, m.type, m.incident_id, m.payload
           FROM live_in m JOIN live_streams s USING (site_id)
       )`,
    select: `SELECT site_id, last_seq, pg_notify($${first + 1}, site_id || ':' || last_seq) FROM live_streams`,
  };
}

/**
 * liveAppendSql's two parameters: the messages as one JSON array (which JSON.stringify writes
 * natively, not escaped element by element), and the channel notified.
 */
export function liveAppendParams(messages: readonly NewLiveMessage[]): [string, string] {
  return [
    JSON.stringify(
      messages.map((m) => ({
        site_id: m.incident.siteId,
        type: m.type,
        incident_id: m.incident.id,
        payload: m.incident,
      })),
    ),
    LIVE_CHANNEL,
  ];
}

/** The messages with the numbers the statement drew: the k-th of a site's n is last_seq - n + k. */
export function numberedLiveMessages(
  messages: readonly NewLiveMessage[],
  rows: readonly LiveAppendRow[],
): LiveMessage[] {
  const last = new Map(rows.map((r) => [r.site_id, Number(r.last_seq)]));
  const left = new Map<string, number>();
  for (const m of messages) left.set(m.incident.siteId, (left.get(m.incident.siteId) ?? 0) + 1);
  return messages.map((m) => {
    const siteId = m.incident.siteId;
    const n = left.get(siteId)!;
    left.set(siteId, n - 1);
    return { siteId, seq: last.get(siteId)! - n + 1, type: m.type, incident: m.incident };
  });
}

/** Why a site's log does not go on from a seq: see LiveLogReader.gapAfter. */
export type LogGap = { reason: 'retention'; retainedFrom: number } | { reason: 'ahead' };

/**
 * How far back the live fan-out first looks for messages (LiveLogReader.afterEach): longer than
 * any transaction that appends to the log runs, so what it leaves out is rare and read again.
 */
const RECENT_LOG = '1 hour';

/**
 * Whether `messages` (in seq order, each seq once) are every message after `after` up to
 * `upTo`: none when there are none to read.
 */
function isWholeRun(messages: readonly LiveMessage[], after: number, upTo: number): boolean {
  if (upTo <= after) return messages.length === 0;
  return messages.length === upTo - after && messages[0].seq === after + 1 && messages.at(-1)!.seq === upTo;
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

  /**
   * For each (site, seq): the site's messages after that seq, in one query.
   *
   * What the live fan-out reads is seconds old, but `seq` is not the partition key: read by
   * site and seq alone, every partition's index is probed, months of them (1.4 ms a read over
   * six months of weekly partitions, against 0.15 ms on an empty database). So the messages
   * written in the last RECENT_LOG are read first, with each site's last seq from its counter
   * (site_streams, written in the same statement as the messages, so read in the same snapshot
   * it says which of them exist). A site whose recent read is not every message from its seq on
   * to that last seq (or to the limit) is read again without the bound: a message left out at
   * the start, in the middle or at the end, or retention's gap. Every message is found whatever
   * its age, and a site with nothing new is read once.
   */
  async afterEach(cursors: [string, number][], limitPerSite = 1000): Promise<Map<string, LiveMessage[]>> {
    const { bySite, lastSeqs } = await this.readAfterEach(cursors, limitPerSite, 'recent');
    const again = cursors.filter(
      ([siteId, after]) =>
        !isWholeRun(bySite.get(siteId)!, after, Math.min(lastSeqs.get(siteId) ?? 0, after + limitPerSite)),
    );
    if (again.length > 0) {
      for (const [siteId, messages] of (await this.readAfterEach(again, limitPerSite, 'all')).bySite) {
        bySite.set(siteId, messages);
      }
    }
    return bySite;
  }

  private async readAfterEach(
    cursors: [string, number][],
    limitPerSite: number,
    written: 'recent' | 'all',
  ): Promise<{ bySite: Map<string, LiveMessage[]>; lastSeqs: Map<string, number> }> {
    // By PostgreSQL's clock, which stamps created_at.
    const recent = written === 'recent' ? `AND created_at >= now() - interval '${RECENT_LOG}'` : '';
    const rows = await this.db.query<{
      site_id: string;
      last_seq: string | null;
      seq: string | null;
      type: IncidentChangeType;
      payload: IncidentView;
    }>(
      prepared(
        `live-after-each-${written}`,
        `SELECT c.site_id, s.last_seq, m.seq, m.type, m.payload
           FROM unnest($1::text[], $2::bigint[]) AS c(site_id, after)
           LEFT JOIN site_streams s ON s.site_id = c.site_id
           LEFT JOIN LATERAL (
             SELECT seq, type, payload FROM live_messages
              WHERE site_id = c.site_id AND seq > c.after ${recent} ORDER BY seq LIMIT $3
           ) m ON true
          ORDER BY c.site_id, m.seq`,
        [cursors.map((c) => c[0]), cursors.map((c) => c[1]), limitPerSite],
      ),
    );
    const bySite = new Map<string, LiveMessage[]>(cursors.map(([siteId]) => [siteId, []]));
    const lastSeqs = new Map<string, number>();
    for (const r of rows) {
      lastSeqs.set(r.site_id, Number(r.last_seq ?? 0)); // a site with no message yet is at 0
      if (r.seq === null) continue;
      bySite.get(r.site_id)!.push({ siteId: r.site_id, seq: Number(r.seq), type: r.type, incident: r.payload });
    }
    return { bySite, lastSeqs };
  }

  /**
   * Why the site's log does not simply continue `afterSeq`, if it does not: the messages right
   * after it are gone (retention dropped them; `retainedFrom` is the seq the kept log goes on
   * from, the site's next seq when none is kept), or the site has not reached `afterSeq` (a
   * restored database, or a client at fault). Undefined when the log continues `afterSeq` or
   * the site has no message after it. One statement, so the counter and the log are read in
   * the same snapshot.
   */
  async gapAfter(siteId: string, afterSeq: number): Promise<LogGap | undefined> {
    const [row] = await this.db.query<{ last_seq: string | null; first_after: string | null }>(
      `SELECT (SELECT last_seq FROM site_streams WHERE site_id = $1) AS last_seq,
              (SELECT min(seq) FROM live_messages WHERE site_id = $1 AND seq > $2) AS first_after`,
      [siteId, afterSeq],
    );
    const lastSeq = Number(row?.last_seq ?? 0); // a site with no message yet is at 0
    if (lastSeq < afterSeq) return { reason: 'ahead' };
    if (lastSeq === afterSeq) return undefined;
    const retainedFrom = row?.first_after == null ? lastSeq + 1 : Number(row.first_after);
    return retainedFrom > afterSeq + 1 ? { reason: 'retention', retainedFrom } : undefined;
  }

  async latestSeqs(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ site_id: string; last_seq: string }>(
      'SELECT site_id, last_seq FROM site_streams',
    );
    return new Map(rows.map((r) => [r.site_id, Number(r.last_seq)]));
  }
}
