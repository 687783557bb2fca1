import { Injectable } from '@nestjs/common';
import { requireLead, scopeToSites } from 'src/auth/site-scope';
import type { Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { arrivalWindow, earliest } from 'src/domain/events/arrival-window';
import { SEVERITIES } from 'src/domain/events/canonical-event.schema';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import type { EventQuery, RejectedQuery } from 'src/platform/query.schemas';
import { SqlFilter } from 'src/platform/sql-filter';
import { refuseGoneCursor } from 'src/retention/retention-horizon';
import { EVENT_COLUMNS, eventView, type EventRow } from './event-view';
import { arrivalCondition, readEventTimeBounds } from './event-time-bounds';

@Injectable()
export class EventsService {
  constructor(private readonly db: Db) {}

  async list(principal: Principal, query: EventQuery) {
    const cursor = query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined;
    await refuseGoneCursor(this.db.pool, 'events', cursor?.at);
    const filter = new SqlFilter();
    scopeToSites(filter, 'e.site_id', principal, query.siteId);
    filter
      .add('e.gateway_id = ?', query.gatewayId)
      .add('e.sensor_id = ?', query.sensorId)
      .add('e.kind = ?', query.kind)
      .add('e.zone = ?', query.zone)
      .add('e.severity = ANY(?)', query.severity && SEVERITIES.slice(SEVERITIES.indexOf(query.severity)))
      .add('e.occurred_at >= ?', query.from)
      .add('e.occurred_at <= ?', query.to)
      .before('e.occurred_at', 'e.id', cursor, 'bigint');
    // By event time, only the partitions (by arrival) such events can be in.
    const window = arrivalWindow(await readEventTimeBounds(this.db.pool), {
      from: query.from,
      to: earliest(query.to, cursor?.at),
    });
    if (window) filter.addSql(arrivalCondition('e.received_at', window, (v) => filter.param(v)));
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e ${filter.where}
        ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.occurred_at, r.id]);
    return {
      items: page.map(eventView),
      nextCursor,
    };
  }

  async listRejected(principal: Principal, query: RejectedQuery) {
    requireLead(principal);
    const cursor = query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined;
    await refuseGoneCursor(this.db.pool, 'rejected_events', cursor?.at);
    const filter = new SqlFilter()
      .add('site_id = ?', query.siteId)
      .add('received_at >= ?', query.from)
      .add('received_at <= ?', query.to)
      .before('received_at', 'id', cursor, 'bigint');
    const rows = await this.db.query<{ id: string; received_at: Date; topic: string; reason: string; payload: string }>(
      `SELECT id, received_at, topic, reason, payload FROM rejected_events ${filter.where}
        ORDER BY received_at DESC, id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.received_at, r.id]);
    return {
      items: page.map((r) => ({
        id: r.id,
        receivedAt: r.received_at.toISOString(),
        topic: r.topic,
        reason: r.reason,
        payload: r.payload,
      })),
      nextCursor,
    };
  }
}
