import { Injectable } from '@nestjs/common';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { scopeToSites } from 'src/auth/site-scope';
import { Db } from 'src/database/db';
import { severityRank } from 'src/domain/events/canonical-event.schema';
import { EVENT_COLUMNS, eventView, type EventRow } from 'src/events/event-view';
import { ApplicationError } from 'src/platform/application-error';
import { decodeCursor, encodeCursor } from 'src/platform/cursor';
import type { IncidentQuery } from 'src/platform/query.schemas';
import { SqlFilter } from 'src/platform/sql-filter';
import { incidentView, toIncident, type IncidentRow } from './incident.repository';

/** Events shown inline with an incident; the rest are a GET /events away. */
const DETAIL_EVENTS_LIMIT = 1000;

@Injectable()
export class IncidentsService {
  constructor(private readonly db: Db) {}

  async list(principal: Principal, query: IncidentQuery) {
    const filter = new SqlFilter();
    scopeToSites(filter, 'site_id', principal, query.siteId);
    filter
      .add('status = ?', query.status)
      .add('severity_rank >= ?', query.severity && severityRank(query.severity))
      .add('? = ANY(kinds)', query.kind)
      .add('first_seen_at <= ?', query.to)
      .add('last_seen_at >= ?', query.from)
      .add(`title ILIKE '%' || ? || '%'`, query.q?.replace(/[\\%_]/g, (c) => `\\${c}`))
      .before('opened_at', 'id', query.cursor ? decodeCursor(query.cursor) : undefined, 'uuid');
    const rows = await this.db.query<IncidentRow>(
      `SELECT * FROM incidents ${filter.where} ORDER BY opened_at DESC, id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => incidentView(toIncident(r))),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.opened_at, last.id) : null,
    };
  }

  async get(principal: Principal, id: string) {
    const [row] = await this.db.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    // Another site's incident is reported as missing: its existence is not the caller's business.
    if (!row || !canSeeSite(principal, row.site_id)) {
      throw new ApplicationError('incident.not-found', `Incident ${id} not found`);
    }
    const [events, timeline] = await Promise.all([
      this.db.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM incident_events l JOIN events e ON e.id = l.event_id
          WHERE l.incident_id = $1 ORDER BY e.occurred_at, e.id LIMIT ${DETAIL_EVENTS_LIMIT}`,
        [id],
      ),
      this.db.query<{ at: Date; actor: string; action: string; details: object }>(
        'SELECT at, actor, action, details FROM incident_timeline WHERE incident_id = $1 ORDER BY id',
        [id],
      ),
    ]);
    return {
      ...incidentView(toIncident(row)),
      events: events.map(eventView),
      timeline: timeline.map((t) => ({ at: t.at.toISOString(), actor: t.actor, action: t.action, details: t.details })),
    };
  }
}
