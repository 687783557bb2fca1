import { Inject, Injectable } from '@nestjs/common';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { scopeToSites } from 'src/auth/site-scope';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { incidentMayLeaveAt } from 'src/domain/retention/incident-retention';
import { legalHoldOf } from './legal-hold.service';
import type { DroneTrack, TrackPoint } from 'src/domain/incidents/drone-tracks';
import { EVENT_COLUMNS, eventView, type EventRow } from 'src/events/event-view';
import { ApplicationError } from 'src/platform/application-error';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import type { IncidentFilters, IncidentQuery } from 'src/platform/query.schemas';
import { SqlFilter } from 'src/platform/sql-filter';
import { addIncidentSearch } from './incident-search';
import { missingIncident, refuseRetiredCursor } from './retired-incidents';
import {
  exportableIncidentView,
  incidentView,
  toIncident,
  type IncidentRow,
  type IncidentView,
} from './incident.repository';

/** Incidents read at once by an export. */
const EXPORT_PAGE = 1000;
/** The export's first page: small, so its first line leaves soon however far back the window is. */
const EXPORT_FIRST_PAGE = 100;

/** Events shown inline with an incident; the rest are a GET /events away. */
const DETAIL_EVENTS_LIMIT = 1000;

@Injectable()
export class IncidentsService {
  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(principal: Principal, query: IncidentQuery) {
    const cursor = query.cursor ? decodeCursor(query.cursor, 'uuid') : undefined;
    await refuseRetiredCursor(this.db.pool, cursor);
    const rows = await this.page(principal, query, cursor, query.limit + 1);
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.opened_at, r.id]);
    return {
      items: page.map((r) => incidentView(toIncident(r))),
      nextCursor,
    };
  }

  /**
   * Every incident the filters select, newest first, in pages read one after the other, so an
   * export of any size holds one page in memory. Waits on `write` (backpressure) between pages.
   */
  async export(
    principal: Principal,
    query: IncidentFilters,
    write: (incident: IncidentView) => Promise<void> | void,
  ): Promise<number> {
    let after: { at: Date; id: string } | undefined;
    let written = 0;
    for (let size = EXPORT_FIRST_PAGE; ; size = EXPORT_PAGE) {
      const rows = await this.page(principal, query, after, size);
      for (const row of rows) await write(exportableIncidentView(toIncident(row)));
      written += rows.length;
      if (rows.length < size) return written;
      const last = rows[rows.length - 1];
      after = { at: last.opened_at, id: last.id };
    }
  }

  private async page(
    principal: Principal,
    query: IncidentFilters,
    after: { at: Date; id: string } | undefined,
    limit: number,
  ) {
    const filter = new SqlFilter();
    scopeToSites(filter, 'site_id', principal, query.siteId);
    addIncidentSearch(filter, query)
      .add('first_seen_at <= ?', query.to)
      .add('last_seen_at >= ?', query.from)
      // `from` again, coarser (to the minute), through incident_spans' index: incidents' own
      // indexes hold no last_seen_at. (`to` keeps nearly every incident: no index would help.)
      .add('id IN (SELECT incident_id FROM incident_spans WHERE seen_until >= ?)', query.from)
      .before('opened_at', 'id', after, 'uuid');
    return this.db.query<IncidentRow>(
      `SELECT * FROM incidents ${filter.where} ORDER BY opened_at DESC, id DESC LIMIT ${filter.param(limit)}`,
      filter.params,
    );
  }

  async get(principal: Principal, id: string) {
    const [row] = await this.db.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    // Another site's incident is reported as missing: its existence is not the caller's business.
    if (!row) throw await missingIncident(this.db.pool, principal, id);
    if (!canSeeSite(principal, row.site_id)) {
      throw new ApplicationError('incident.not-found', `Incident ${id} not found`);
    }
    const [events, timeline, legalHold] = await Promise.all([
      this.db.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM incident_events l JOIN events e ON e.id = l.event_id
          WHERE l.incident_id = $1 ORDER BY e.occurred_at, e.id LIMIT ${DETAIL_EVENTS_LIMIT}`,
        [id],
      ),
      this.db.query<{ at: Date; actor: string; action: string; details: object }>(
        'SELECT at, actor, action, details FROM incident_timeline WHERE incident_id = $1 ORDER BY id',
        [id],
      ),
      legalHoldOf(this.db.pool, id),
    ]);
    const incident = toIncident(row);
    const leavesAfter = incidentMayLeaveAt(
      { status: incident.status, resolvedAt: incident.resolvedAt, legalHold: legalHold !== null },
      this.config.retention.resolvedIncidentsDays,
    );
    return {
      ...incidentView(incident),
      legalHold,
      leavesAfter: leavesAfter?.toISOString() ?? null,
      ...(row.track && { track: trackView(row.track, timeline) }),
      events: events.map(eventView),
      timeline: timeline.map((t) => ({ at: t.at.toISOString(), actor: t.actor, action: t.action, details: t.details })),
    };
  }
}

/** Positions shown with a drone incident at most; every fold's positions are in its timeline too. */
const DETAIL_TRACK_POSITIONS = 2000;

/**
 * A drone incident's track: who it is (uasIds, detector tracks), its marks, and its positions
 * in time order, gathered from the timeline's "track" entries (one per fold).
 */
function trackView(track: DroneTrack, timeline: readonly { action: string; details: object }[]) {
  const positions = timeline
    .filter((t) => t.action === 'track')
    .flatMap((t) => (t.details as { positions?: TrackPoint[] }).positions ?? [])
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.eventId - b.eventId));
  return {
    uasIds: track.uasIds,
    trackIds: track.trackKeys,
    remoteIdSeen: track.remoteIdSeen,
    nonCooperative: track.nonCooperativeSince !== undefined,
    nonCooperativeSince: track.nonCooperativeSince ?? null,
    spoofSuspected: track.spoofSuspectedSince !== undefined,
    spoofSuspectedSince: track.spoofSuspectedSince ?? null,
    last: track.last,
    positions: positions.slice(-DETAIL_TRACK_POSITIONS),
  };
}
