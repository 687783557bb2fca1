import { Injectable } from '@nestjs/common';
import type { Principal } from 'src/auth/principal';
import { requireLead } from 'src/auth/site-scope';
import { Db } from 'src/database/db';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import { SqlFilter } from 'src/platform/sql-filter';
import type {
  MaterialFindingQuery,
  MaterialFindingView,
  MaterialRecordQuery,
  MaterialRecordView,
} from './material.http';

interface RecordRow {
  id: string;
  site_id: string;
  gateway_id: string;
  record_id: string;
  type: MaterialRecordView['type'];
  recorded_at: Date;
  received_at: Date;
  zone: string | null;
  body: Record<string, unknown>;
}

interface FindingRow {
  site_id: string;
  key: string;
  rule: MaterialFindingView['rule'];
  occurred_at: Date;
  found_at: Date;
  zone: string;
  summary: string;
  numbers: Record<string, number>;
  tolerance: MaterialFindingView['tolerance'];
  quantity_kg: number | null;
  plate: string | null;
  material: string | null;
  record_ids: string[];
  event_id: string;
}

/**
 * Material records and findings for security leads (and admins): weights, stocks and who
 * carried them are not for site operators, who see the incidents findings raise.
 */
@Injectable()
export class MaterialService {
  constructor(private readonly db: Db) {}

  async records(principal: Principal, query: MaterialRecordQuery) {
    requireLead(principal);
    const filter = new SqlFilter()
      .add('site_id = ?', query.siteId)
      .add('gateway_id = ?', query.gatewayId)
      .add('type = ?', query.type)
      .add('recorded_at >= ?', query.from)
      .add('recorded_at <= ?', query.to)
      .before('recorded_at', 'id', query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined, 'bigint');
    const rows = await this.db.query<RecordRow>(
      `SELECT id, site_id, gateway_id, record_id, type, recorded_at, received_at, zone, body FROM material_records ${filter.where}
        ORDER BY recorded_at DESC, id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.recorded_at, r.id]);
    return {
      items: page.map((r): MaterialRecordView => ({
        id: r.id,
        siteId: r.site_id,
        gatewayId: r.gateway_id,
        recordId: r.record_id,
        type: r.type,
        at: r.recorded_at.toISOString(),
        receivedAt: r.received_at.toISOString(),
        zone: r.zone,
        record: r.body,
      })),
      nextCursor,
    };
  }

  async findings(principal: Principal, query: MaterialFindingQuery) {
    requireLead(principal);
    const filter = new SqlFilter()
      .add('site_id = ?', query.siteId)
      .add('rule = ?', query.rule)
      .add('occurred_at >= ?', query.from)
      .add('occurred_at <= ?', query.to)
      .before('occurred_at', 'event_id', query.cursor ? decodeCursor(query.cursor, 'uuid') : undefined, 'uuid');
    const rows = await this.db.query<FindingRow>(
      `SELECT site_id, key, rule, occurred_at, found_at, zone, summary, numbers, tolerance, quantity_kg, plate, material, record_ids, event_id
         FROM material_findings ${filter.where}
        ORDER BY occurred_at DESC, event_id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.occurred_at, r.event_id]);
    return {
      items: page.map((r): MaterialFindingView => ({
        siteId: r.site_id,
        key: r.key,
        rule: r.rule,
        at: r.occurred_at.toISOString(),
        foundAt: r.found_at.toISOString(),
        zone: r.zone,
        summary: r.summary,
        numbers: r.numbers,
        tolerance: r.tolerance,
        quantityKg: r.quantity_kg,
        plate: r.plate,
        materialCode: r.material,
        recordIds: r.record_ids,
        eventId: r.event_id,
      })),
      nextCursor,
    };
  }
}
