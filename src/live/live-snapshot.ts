import type { Db } from 'src/database/db';
import { incidentView, toIncident, type IncidentRow, type IncidentView } from 'src/incidents/incident.repository';

/** A site's current state for a client whose missed messages are gone: the `snapshot` event. */
export interface SiteSnapshot {
  siteId: string;
  /** The site's last seq when the state was read: the stream continues after it. */
  seq: number;
  /** The site's open and acknowledged incidents, as REST shows them, newest first. */
  incidents: IncidentView[];
}

/** Reads a site's snapshot in one REPEATABLE READ transaction, so `seq` and the incidents agree. */
export class LiveSnapshotReader {
  constructor(private readonly db: Db) {}

  async read(siteId: string): Promise<SiteSnapshot> {
    return this.db.transaction(
      async (tx) => {
        const streams = await tx.query<{ last_seq: string }>('SELECT last_seq FROM site_streams WHERE site_id = $1', [
          siteId,
        ]);
        const incidents = await tx.query<IncidentRow>(
          `SELECT * FROM incidents WHERE site_id = $1 AND status IN ('open', 'acknowledged') ORDER BY opened_at DESC, id DESC`,
          [siteId],
        );
        return {
          siteId,
          seq: Number(streams.rows[0]?.last_seq ?? 0),
          incidents: incidents.rows.map((row) => incidentView(toIncident(row))),
        };
      },
      { readOnly: true },
    );
  }
}
