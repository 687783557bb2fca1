import { Injectable } from '@nestjs/common';
import type { QueryResultRow } from 'pg';
import type { Principal } from 'src/auth/principal';
import { scopeToSites } from 'src/auth/site-scope';
import { Db } from 'src/database/db';
import type { StatsQuery } from 'src/platform/query.schemas';
import { SqlFilter } from 'src/platform/sql-filter';
import { addIncidentSearch } from './incident-search';

/** Counts of incidents opened in the window, and how long they took to acknowledge and resolve. */
@Injectable()
export class StatsService {
  constructor(private readonly db: Db) {}

  async stats(principal: Principal, query: StatsQuery) {
    const filter = new SqlFilter();
    scopeToSites(filter, 'site_id', principal, query.siteId);
    addIncidentSearch(filter, query).add('opened_at >= ?', query.from).add('opened_at <= ?', query.to);
    // Each count reads the window from incidents_opened_counted (migration 1765200000000), on a
    // connection of its own and without parallel workers: five at once, each spawning two more
    // processes, left a two-core server a queue of fifteen.
    const count = <R extends QueryResultRow>(sql: string) =>
      this.db.withoutTableScans((tx) => tx.query<R>(sql, filter.params).then((r) => r.rows));
    const counts = (sql: string) => count<{ key: string; n: string }>(sql);
    const [bySite, byKind, bySeverity, byDay, times] = await Promise.all([
      counts(`SELECT site_id AS key, count(*) AS n FROM incidents ${filter.where} GROUP BY 1 ORDER BY 1`),
      counts(`SELECT k AS key, count(*) AS n FROM incidents, unnest(kinds) AS k ${filter.where} GROUP BY 1 ORDER BY 1`),
      counts(`SELECT severity AS key, count(*) AS n FROM incidents ${filter.where} GROUP BY 1 ORDER BY 1`),
      counts(
        `SELECT to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, count(*) AS n FROM incidents ${filter.where} GROUP BY 1 ORDER BY 1`,
      ),
      count<{ total: string; mtta: number | null; mttr: number | null }>(
        `SELECT count(*) AS total,
                avg(extract(epoch FROM acknowledged_at - opened_at)) AS mtta,
                avg(extract(epoch FROM resolved_at - opened_at)) AS mttr
           FROM incidents ${filter.where}`,
      ),
    ]);
    const asRecord = (rows: { key: string; n: string }[]) => Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
    return {
      total: Number(times[0].total),
      bySite: asRecord(bySite),
      byKind: asRecord(byKind),
      bySeverity: asRecord(bySeverity),
      byDay: asRecord(byDay),
      meanTimeToAcknowledgeS: times[0].mtta === null ? null : Number(times[0].mtta),
      meanTimeToResolveS: times[0].mttr === null ? null : Number(times[0].mttr),
    };
  }
}
