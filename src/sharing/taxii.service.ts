import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { checkOutbound } from 'src/domain/sharing/outbound-check';
import { projectForPartner } from 'src/domain/sharing/partner-projection';
import type { SharedObject } from 'src/domain/sharing/shared-object';
import type { StixObject } from 'src/domain/sharing/stix.schema';
import { TLP_LEVELS, tlpRank, type Tlp } from 'src/domain/sharing/tlp';
import { ApplicationError } from 'src/platform/application-error';
import { Metrics } from 'src/platform/metrics';
import type { Partner } from './partners.service';
import { decodeNext, encodeNext, microseconds, STIX_MEDIA_TYPE, type TaxiiObjectsQuery } from './taxii.http';

/** The one API root and its one collection (fixed ids: partners configure them once). */
export const TAXII_API_ROOT = 'sharing';
export const COLLECTION_ID = '2f6b1c4e-9a53-5d0e-8c71-3b2a6f0d4e19';

interface Row {
  stix_id: string;
  version: string | null;
  type: string;
  tlp: Tlp;
  object: StixObject;
  date_added: string;
}

export interface TaxiiPage<T> {
  body: { more: boolean; next?: string } & T;
  first?: string;
  last?: string;
}

const DATE_ADDED = `to_char(date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Reads shared_objects for one partner (a pure read: the worker publishes, sharing-publisher.service.ts): only what its projection allows (types, TLP ceiling,
 * location floor), only released or GREEN-and-below objects, sorted by date_added, each page
 * projected (withheld refs removed) and passed through the outbound check before it leaves.
 */
@Injectable()
export class TaxiiService {
  private readonly logger = new Logger(TaxiiService.name);

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** SQL and parameters of what a partner may see at all (any version). */
  private visibility(partner: Partner, params: unknown[], alias = 's'): string {
    const p = partner.projection;
    const tlps = TLP_LEVELS.filter((t) => tlpRank(t) <= tlpRank(p.maxTlp));
    params.push(tlps, [...p.types, 'marking-definition'], p.locationFloorM);
    const n = params.length;
    return `${alias}.date_added IS NOT NULL AND ${alias}.tlp = ANY($${n - 2}::text[]) AND ${alias}.type = ANY($${n - 1}::text[])
      AND (${alias}.type <> 'location' OR coalesce((${alias}.object->>'precision')::float8, -1) >= $${n}::float8)`;
  }

  private async visibleIds(partner: Partner): Promise<Set<string>> {
    const params: unknown[] = [];
    const rows = await this.db.query<{ stix_id: string }>(
      `SELECT DISTINCT stix_id FROM shared_objects s WHERE ${this.visibility(partner, params)}`,
      params,
    );
    return new Set(rows.map((r) => r.stix_id));
  }

  private async page(
    partner: Partner,
    query: TaxiiObjectsQuery,
    onlyId?: string,
  ): Promise<{ rows: Row[]; more: boolean }> {
    const params: unknown[] = [];
    const where = [this.visibility(partner, params)];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (query.added_after) add((n) => `s.date_added > $${n}::timestamptz`, query.added_after);
    if (query.next) {
      const after = decodeNext(query.next);
      if (!after) throw new ApplicationError('request.invalid', 'next: not a value this server gave');
      add((n) => `s.date_added > $${n}::timestamptz`, after);
    }
    if (onlyId) add((n) => `s.stix_id = $${n}`, onlyId);
    if (query['match[id]']) add((n) => `s.stix_id = ANY($${n}::text[])`, query['match[id]']);
    if (query['match[type]']) add((n) => `s.type = ANY($${n}::text[])`, query['match[type]']);
    // Every object OreGuard shares is STIX 2.1.
    if (query['match[spec_version]'] && !query['match[spec_version]'].includes('2.1')) where.push('false');
    const versions = query['match[version]'] ?? ['last'];
    if (!versions.includes('all')) {
      const newer = `EXISTS (SELECT 1 FROM shared_objects v WHERE v.stix_id = s.stix_id AND v.date_added IS NOT NULL AND v.date_added > s.date_added)`;
      const older = `EXISTS (SELECT 1 FROM shared_objects v WHERE v.stix_id = s.stix_id AND v.date_added IS NOT NULL AND v.date_added < s.date_added)`;
      const times = versions.filter((v) => v !== 'last' && v !== 'first');
      const alternatives: string[] = [];
      if (versions.includes('last')) alternatives.push(`NOT ${newer}`);
      if (versions.includes('first')) alternatives.push(`NOT ${older}`);
      if (times.length) {
        params.push(times);
        alternatives.push(`coalesce(s.version::timestamptz, s.date_added) = ANY($${params.length}::timestamptz[])`);
      }
      where.push(`(${alternatives.join(' OR ')})`);
    }
    const limit = Math.min(query.limit ?? this.config.sharing.maxPageSize, this.config.sharing.maxPageSize);
    const rows = await this.db.query<Row>(
      `SELECT s.stix_id, s.version, s.type, s.tlp, s.object, ${DATE_ADDED.replace(/date_added/g, 's.date_added')} AS date_added
         FROM shared_objects s WHERE ${where.join(' AND ')} ORDER BY s.date_added LIMIT ${limit + 1}`,
      params,
    );
    const more = rows.length > limit;
    return { rows: rows.slice(0, limit), more };
  }

  /** The page's objects as this partner may receive them, checked on the way out. */
  private async project(partner: Partner, rows: Row[]): Promise<{ row: Row; object: StixObject }[]> {
    const visible = await this.visibleIds(partner);
    const projected = projectForPartner(
      rows.map((r): SharedObject => ({ object: r.object, tlp: r.tlp })),
      partner.projection,
      (id) => visible.has(id),
    );
    const byId = new Map(projected.map((p) => [p.object.id, p.object]));
    const out = rows.flatMap((row) => {
      const object = byId.get(row.stix_id);
      return object ? [{ row, object }] : [];
    });
    const internal = await this.db.query<{ id: string }>(
      `SELECT id FROM sites UNION SELECT id FROM gateways UNION SELECT DISTINCT incident_id::text FROM shared_objects WHERE incident_id IS NOT NULL`,
    );
    const problems = checkOutbound(
      out.map((o) => o.object),
      { internalIds: new Set(internal.map((r) => r.id)), alsoKnown: (id) => visible.has(id) },
    );
    if (problems.length) {
      this.logger.error(`Refused a page for partner ${partner.name}: ${problems.slice(0, 3).join('; ')}`);
      this.metrics.sharingRefused.inc({ stage: 'page' });
      throw new Error('outbound check refused the page');
    }
    return out;
  }

  private headers(rows: Row[]): Pick<TaxiiPage<object>, 'first' | 'last'> {
    return rows.length ? { first: rows[0]!.date_added, last: rows[rows.length - 1]!.date_added } : {};
  }

  /**
   * The latest version of every object the partner may see that came from an incident, projected
   * and checked, grouped by incident (for the MISP feed: one event per incident).
   */
  async byIncident(partner: Partner): Promise<Map<string, SharedObject[]>> {
    const params: unknown[] = [];
    const rows = await this.db.query<Row & { incident_id: string }>(
      `SELECT s.stix_id, s.version, s.type, s.tlp, s.object, s.incident_id, ${DATE_ADDED.replace(/date_added/g, 's.date_added')} AS date_added
         FROM shared_objects s
        WHERE ${this.visibility(partner, params)} AND s.incident_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM shared_objects v WHERE v.stix_id = s.stix_id AND v.date_added IS NOT NULL AND v.date_added > s.date_added)
        ORDER BY s.date_added`,
      params,
    );
    const out = await this.project(partner, rows);
    const groups = new Map<string, SharedObject[]>();
    for (const { row, object } of out) {
      const incidentId = (row as Row & { incident_id: string }).incident_id;
      groups.set(incidentId, [...(groups.get(incidentId) ?? []), { object, tlp: row.tlp }]);
    }
    return groups;
  }

  async objects(
    partner: Partner,
    query: TaxiiObjectsQuery,
    onlyId?: string,
  ): Promise<TaxiiPage<{ objects?: StixObject[] }>> {
    const { rows, more } = await this.page(partner, query, onlyId);
    if (onlyId && !rows.length && !query.added_after && !query.next)
      throw new ApplicationError('resource.not-found', `No object ${onlyId}`);
    const out = await this.project(partner, rows);
    const next = more && rows.length ? encodeNext(rows[rows.length - 1]!.date_added) : undefined;
    return {
      body: { more, ...(next ? { next } : {}), ...(out.length ? { objects: out.map((o) => o.object) } : {}) },
      ...this.headers(rows),
    };
  }

  async manifest(partner: Partner, query: TaxiiObjectsQuery) {
    const { rows, more } = await this.page(partner, query);
    const out = await this.project(partner, rows);
    const next = more && rows.length ? encodeNext(rows[rows.length - 1]!.date_added) : undefined;
    const objects = out.map(({ row }) => ({
      id: row.stix_id,
      date_added: row.date_added,
      version: microseconds(row.version ?? row.date_added),
      media_type: STIX_MEDIA_TYPE,
    }));
    return { body: { more, ...(next ? { next } : {}), ...(objects.length ? { objects } : {}) }, ...this.headers(rows) };
  }

  async versions(partner: Partner, id: string, query: TaxiiObjectsQuery) {
    const { rows, more } = await this.page(partner, { ...query, 'match[version]': ['all'] }, id);
    if (!rows.length && !query.added_after && !query.next)
      throw new ApplicationError('resource.not-found', `No object ${id}`);
    const out = await this.project(partner, rows);
    const next = more && rows.length ? encodeNext(rows[rows.length - 1]!.date_added) : undefined;
    const versions = out.map(({ row }) => microseconds(row.version ?? row.date_added));
    return {
      body: { more, ...(next ? { next } : {}), ...(versions.length ? { versions } : {}) },
      ...this.headers(rows),
    };
  }
}
