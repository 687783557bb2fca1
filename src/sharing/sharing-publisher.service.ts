import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { canonicalJson } from 'src/domain/audit/canonical-json';
import { baseObjects, incidentToStix, type SharableRule } from 'src/domain/sharing/incident-stix';
import { checkOutbound } from 'src/domain/sharing/outbound-check';
import type { SharedObject } from 'src/domain/sharing/shared-object';
import { needsRelease } from 'src/domain/sharing/tlp';
import { SITE_EVENT_COLUMNS, siteEventFromRow, type SiteEventRow } from 'src/events/site-event-row';
import { Metrics } from 'src/platform/metrics';
import { PeriodicTask } from 'src/platform/periodic-task';
import { readSharableRules } from './sharable-rules';

/** One advisory lock serialises every writer of date_added (publishing and releasing). */
export const SHARING_LOCK = "hashtext('oreguard.shared_objects')";

/** The next date_added: now, or one microsecond past the last one (strictly increasing under the lock). */
export const NEXT_DATE_ADDED = `greatest(clock_timestamp(), (SELECT max(date_added) FROM shared_objects) + interval '1 microsecond')`;

/**
 * Incidents updated this long before the cursor are looked at again: a fold that committed late
 * (its updated_at earlier than one already published) is not missed. Only those whose updated_at
 * moved past what shared_incidents records are published again.
 */
const REREAD_MARGIN = "interval '5 minutes'";
const BATCH = 200;

interface IncidentToShare {
  id: string;
  site_id: string;
  kinds: string[];
  rule_ids: string[];
  zones: string[];
  /** A correlation rule's own incident (group key `rule:…`). */
  by_rule: boolean;
  updated_at: Date;
  /** updated_at as text to the microsecond (a Date keeps milliseconds only): the keyset's key. */
  updated_at_text: string;
}

/** A version's content, without `modified`: two versions that differ only there are the same. */
const content = (object: Record<string, unknown>) => canonicalJson({ ...object, modified: undefined });

/**
 * Materialises the STIX objects of incidents into shared_objects, a row per new version, in one
 * transaction under the sharing lock: every date_added is later than any committed before it,
 * so a partner paging with added_after neither drops nor repeats one. Objects at most TLP:GREEN
 * get their date_added now; above it only if a lead released that object before (a new version of
 * a released sighting goes out as the first did); otherwise they wait, date_added NULL.
 * Incidents whose objects fail the outbound check are skipped and logged: nothing of them leaves.
 *
 * It runs in the worker role, every SHARING_PUBLISH_INTERVAL_MS (5 s): not at each fold commit,
 * since under a storm that meant reading a growing incident's events again dozens of times a
 * second (the bench's latency p99 went from 88 ms to seconds). Partners poll in minutes; an
 * incident's objects are at most one interval behind. Partner reads only read. What it has done is in PostgreSQL
 * (sharing_cursor: how far it has read incidents by updated_at; shared_incidents: the
 * updated_at each incident was last published for), so a restart or a second worker neither
 * misses nor repeats anything: one publishes at a time (the lock), and an unchanged incident
 * is not published again. A lead's release publishes first, under the same lock.
 */
@Injectable()
export class SharingPublisherService implements OnModuleDestroy {
  private readonly logger = new Logger(SharingPublisherService.name);
  private readonly rules: ReadonlyMap<string, SharableRule>;
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.rules = readSharableRules(config.rules.dir);
    this.task = new PeriodicTask('Sharing publisher', () => this.publishForPartners(), this.logger);
  }

  /** Worker role: publishes now, then every SHARING_PUBLISH_INTERVAL_MS. */
  start(): void {
    this.task.start(this.config.sharing.publishIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /**
   * The periodic run: publishes only while some partner may read. With none (or all disabled)
   * nothing is computed, and the cursor stays where it is, so the first run after a partner is
   * added publishes every incident changed meanwhile.
   */
  async publishForPartners(): Promise<number> {
    const { rows } = await this.db.pool.query<{ any: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM partners WHERE NOT disabled) AS any',
    );
    return rows[0]?.any ? this.publish() : 0;
  }

  /**
   * Publishes what changed, unless another worker is publishing right now: then this one leaves
   * it to that one (what it misses, its next run takes). Returns how many incidents it published.
   */
  async publish(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${SHARING_LOCK}) AS locked`,
      );
      return rows[0]?.locked ? this.publishLocked(tx) : 0;
    });
  }

  /** With the lock held by the caller's transaction; returns how many incidents it published. */
  async publishLocked(tx: PoolClient): Promise<number> {
    const base = baseObjects(this.config.sharing.organisation);
    for (const shared of base) await this.store(tx, shared, null);
    const { rows: cursorRows } = await tx.query<{ at: Date }>('SELECT incidents_updated_at AS at FROM sharing_cursor');
    const from = cursorRows[0]?.at ?? null;
    // Keyset over (updated_at, id): incidents updated in one transaction share an updated_at.
    let after: { at: string; id: string } | undefined;
    let published = 0;
    for (;;) {
      const { rows: incidents }: { rows: IncidentToShare[] } = await tx.query<IncidentToShare>(
        `SELECT i.id, i.site_id, i.kinds, i.rule_ids, i.zones, starts_with(i.group_key, 'rule:') AS by_rule, i.updated_at,
                to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at_text
           FROM incident_spans s JOIN incidents i ON i.id = s.incident_id
           LEFT JOIN shared_incidents p ON p.incident_id = i.id
          WHERE i.kinds && ARRAY['cyber', 'drone']
            -- updated_until (updated_at rounded up to the minute, indexed) finds the candidates:
            -- an index on incidents (updated_at) would make every fold's update of an incident non-HOT.
            AND ($1::timestamptz IS NULL OR s.updated_until > $1::timestamptz - ${REREAD_MARGIN})
            AND ($2::timestamptz IS NULL OR s.updated_until > $2::timestamptz)
            AND ($1::timestamptz IS NULL OR i.updated_at > $1::timestamptz - ${REREAD_MARGIN})
            AND ($2::timestamptz IS NULL OR (i.updated_at, i.id) > ($2::timestamptz, $3::uuid))
            AND (p.updated_at IS NULL OR i.updated_at > p.updated_at)
          ORDER BY i.updated_at, i.id LIMIT ${BATCH}`,
        [from, after?.at ?? null, after?.id ?? null],
      );
      for (const incident of incidents) {
        await this.publishIncident(tx, incident, base);
        await tx.query(
          `INSERT INTO shared_incidents (incident_id, updated_at) VALUES ($1, $2::timestamptz)
           ON CONFLICT (incident_id) DO UPDATE SET updated_at = excluded.updated_at`,
          [incident.id, incident.updated_at_text],
        );
      }
      published += incidents.length;
      const last: IncidentToShare | undefined = incidents[incidents.length - 1];
      if (last) {
        after = { at: last.updated_at_text, id: last.id };
        await tx.query(
          `INSERT INTO sharing_cursor (id, incidents_updated_at) VALUES (true, $1::timestamptz)
           ON CONFLICT (id) DO UPDATE SET incidents_updated_at = greatest(sharing_cursor.incidents_updated_at, excluded.incidents_updated_at)`,
          [last.updated_at_text],
        );
      }
      if (incidents.length < BATCH) return published;
    }
  }

  private async publishIncident(tx: PoolClient, incident: IncidentToShare, base: SharedObject[]): Promise<void> {
    const { rows } = await tx.query<SiteEventRow>(
      `SELECT ${SITE_EVENT_COLUMNS} FROM incident_events ie JOIN events e ON e.id = ie.event_id WHERE ie.incident_id = $1 ORDER BY e.occurred_at, e.id`,
      [incident.id],
    );
    const events = rows.map(siteEventFromRow);
    const objects = incidentToStix(
      { id: incident.id, kinds: incident.kinds, ruleIds: incident.rule_ids, rulesOnly: incident.by_rule },
      events,
      {
        organisation: this.config.sharing.organisation,
        rules: this.rules,
      },
    );
    if (!objects.length) return;
    const internalIds = new Set([
      incident.id,
      incident.site_id,
      ...incident.zones,
      ...events.flatMap((e) => [e.eventId, e.gatewayId, e.sensorId, e.zone ?? '', e.cyber?.asset ?? '']),
    ]);
    const problems = checkOutbound(
      [...base, ...objects].map((o) => o.object),
      { internalIds },
    );
    if (problems.length) {
      this.logger.error(
        `Withheld the objects of incident ${incident.id}: the outbound check refused them (${problems.slice(0, 3).join('; ')})`,
      );
      this.metrics.sharingRefused.inc({ stage: 'publish' });
      return;
    }
    for (const shared of objects) await this.store(tx, shared, incident.id);
  }

  /** Stores a new version of the object, if it is one. */
  private async store(tx: PoolClient, shared: SharedObject, incidentId: string | null): Promise<void> {
    const object = { ...shared.object } as Record<string, unknown> & { id: string; type: string };
    const { rows } = await tx.query<{ object: Record<string, unknown>; version: string | null; released: boolean }>(
      `SELECT object, version, EXISTS (SELECT 1 FROM shared_objects r WHERE r.stix_id = $1 AND r.released_at IS NOT NULL) AS released
         FROM shared_objects WHERE stix_id = $1 ORDER BY seq DESC LIMIT 1`,
      [object.id],
    );
    const latest = rows[0];
    if (latest) {
      // An object without versions (a cyber observable, a marking) is what it first was.
      if (latest.version === null || typeof object.modified !== 'string') return;
      if (content(latest.object) === content(object)) return;
      // Changed content needs a later modified (a late event may change a count, not the times).
      if (Date.parse(object.modified) <= Date.parse(latest.version)) {
        object.modified = new Date(Math.max(Date.parse(latest.version) + 1, Date.now())).toISOString();
      }
    }
    const version = (object.modified ?? object.created ?? null) as string | null;
    const visible = !needsRelease(shared.tlp) || latest?.released === true;
    await tx.query(
      `INSERT INTO shared_objects (stix_id, version, type, tlp, object, incident_id, created_at, date_added, released_at, released_by)
       VALUES ($1, $2, $3, $4, $5, $6, now(), CASE WHEN $7 THEN ${NEXT_DATE_ADDED} END,
               CASE WHEN $7 AND $8 THEN now() END, CASE WHEN $7 AND $8 THEN 'release:earlier-version' END)`,
      [
        object.id,
        version,
        object.type,
        shared.tlp,
        JSON.stringify(object),
        incidentId,
        visible,
        needsRelease(shared.tlp),
      ],
    );
    // Counted before commit: a rolled-back publish is counted again when it is retried (metrics are approximate here).
    this.metrics.sharedObjects.inc({ state: visible ? 'visible' : 'held' });
  }
}
