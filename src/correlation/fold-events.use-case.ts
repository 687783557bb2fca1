import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db, prepared, type Queryable } from 'src/database/db';
import type { Kind, Severity } from 'src/domain/events/canonical-event.schema';
import { trackKey, type DroneDetection, type DroneSighting } from 'src/domain/incidents/drone-tracks';
import { foldEvents, type FoldableEvent, type IncidentChange } from 'src/domain/incidents/fold-events';
import type { Incident } from 'src/domain/incidents/incident';
import { heldBack, type Hold, type SiteHolds } from 'src/domain/silences/held-back';
import { chainTimeline, incidentView, incidentWrites, type TimelineEntry } from 'src/incidents/incident.repository';
import { CommittedLive } from 'src/live/committed-live';
import { appendLiveMessages, type LiveMessage } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { SilenceHoldsCache } from 'src/silences/silence-holds.cache';
import { SilenceHoldsRepository } from 'src/silences/silence-holds.repository';

/**
 * What folding reads of an event ($2 of the statement: the sites that hold anything back,
 * whose events' kind objects are read for the silences to match on).
 */
const FOLD_COLUMNS = `id, site_id, kind, occurred_at, received_at, severity, zone, gateway_id, sensor_id,
  COALESCE(details->>'signature', details->>'category', details->>'detection') AS what,
  CASE WHEN kind = 'drone' THEN jsonb_build_object(
    'detection', details->'detection', 'uasId', details->'uasId', 'trackId', details->'trackId',
    'lat', details->'position'->'lat', 'lon', details->'position'->'lon', 'altM', details->'position'->'altM',
    'spoofSpeed', remote_id->'possibleSpoof'->'impliedSpeedMps',
    'spoofFix', remote_id ? 'possibleSpoof', 'suspectSince', remote_id->'trackSuspectSince')
  END AS drone,
  CASE WHEN site_id = ANY($2) THEN details END AS details`;

/** What a fold wrote: the incident changes and their live messages. */
interface Folded {
  changes: IncidentChange[];
  messages: LiveMessage[];
}

const NOTHING_FOLDED: Folded = { changes: [], messages: [] };

/** How many waiting events of its groups a job folds besides its own. */
const EXTRA_EVENTS_PER_JOB = 5000;

interface EventRow {
  id: string;
  site_id: string;
  kind: Kind;
  occurred_at: Date;
  received_at: Date;
  severity: Severity | null;
  zone: string | null;
  what: string | null;
  /** Drone events only (null otherwise): the fields tracking needs, not the whole details. */
  gateway_id: string;
  sensor_id: string;
  drone: {
    detection: DroneDetection;
    uasId: string | null;
    trackId: string | null;
    lat: number;
    lon: number;
    altM: number | null;
    spoofSpeed: number | null;
    spoofFix: boolean;
    suspectSince: string | null;
  } | null;
  /** The kind object, read only for sites that hold anything back. */
  details: Record<string, unknown> | null;
}

/**
 * Folds stored events into incidents in one transaction per lane round (fold-lanes.ts). An advisory lock per
 * (site, kind), taken in sorted order, serialises folding of a group, so concurrent workers
 * never open two incidents where one belongs; events already folded (by a duplicate job) are
 * skipped, so a job can run any number of times. Every statement covers the whole round, so
 * the cost of a round hardly depends on how many sites it touches.
 */
@Injectable()
export class FoldEventsUseCase {
  private readonly logger = new Logger(FoldEventsUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly holdsCache: SilenceHoldsCache,
    private readonly holdsRepository: SilenceHoldsRepository,
    private readonly committedLive: CommittedLive,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The job's events not folded yet, by site: what the fold lanes are given. */
  async pendingBySite(eventIds: readonly number[]): Promise<Map<string, number[]>> {
    const rows = await this.db.query<{ site_id: string; ids: string[] }>(
      'SELECT site_id, array_agg(id) AS ids FROM events WHERE id = ANY($1) AND folded_at IS NULL GROUP BY site_id',
      [eventIds],
    );
    return new Map(rows.map((r) => [r.site_id, r.ids.map(Number)]));
  }

  /**
   * Folds the events (and the other waiting events of their groups) in one transaction.
   * siteIds: the sites they belong to (the lanes know them), else read from the events.
   */
  async execute(eventIds: readonly number[], siteIds?: readonly string[]): Promise<void> {
    const sites =
      siteIds ??
      (await this.db.query<{ site_id: string }>('SELECT DISTINCT site_id FROM events WHERE id = ANY($1)', [eventIds])).map((r) => r.site_id);
    // Silences and authorized drones of these sites (cached); sites with none cost nothing more.
    const siteHolds = await this.holdsCache.forSites([...new Set(sites)]);

    const folded = await this.db.transaction(async (tx) => {
      // One lock per (site, kind) of the events not folded yet (fold-locks.ts), taken in
      // sorted order. The groups are read in the same statement; the events are read again
      // below, under the locks, so what another worker folds meanwhile is seen as folded.
      const { rows: locked } = await tx.query<{ g: string }>(
        prepared(
          'fold-lock',
          `SELECT g, pg_advisory_xact_lock(hashtextextended(g, 0))
             FROM (SELECT DISTINCT ('fold/' || site_id || '/' || kind) COLLATE "C" AS g FROM events
                    WHERE id = ANY($1) AND folded_at IS NULL ORDER BY 1) AS pending`,
          [eventIds],
        ),
      );
      if (locked.length === 0) return NOTHING_FOLDED;
      const groups = locked.map((r) => r.g);
      // Under the locks: whatever another worker folded meanwhile is now visibly folded. Besides
      // the job's own events, take the groups' other waiting events too (oldest first): when
      // jobs queue up behind a lock, the first one folds what the others carry, and theirs
      // become no-ops. This is what keeps folding cheap per event under load.
      const { rows } = await tx.query<EventRow>(
        prepared(
          'fold-read',
          `WITH wanted AS (
             SELECT split_part(g, '/', 2) AS site_id, split_part(g, '/', 3) AS kind FROM unnest($3::text[]) AS g
           ),
           own AS (
             SELECT id FROM events WHERE id = ANY($1) AND folded_at IS NULL
           ),
           others AS (
             SELECT e.id FROM events e JOIN wanted w ON w.site_id = e.site_id AND w.kind = e.kind
              WHERE e.folded_at IS NULL AND e.fold_error IS NULL AND e.id <> ALL($1)
              ORDER BY e.id LIMIT $4
           )
           SELECT ${FOLD_COLUMNS}
             FROM events WHERE id IN (SELECT id FROM own UNION SELECT id FROM others)
            ORDER BY id`,
          [eventIds, [...siteHolds.keys()], groups, EXTRA_EVENTS_PER_JOB],
        ),
      );
      const now = this.clock.now();
      return this.foldRows(tx, rows, siteHolds, now, { markFolded: true });
    });
    this.afterCommit(folded);
  }

  /**
   * Folds events stored in this same transaction (an ingest batch's, storeBatch with foldedAt),
   * so one commit makes them durable and puts them in their incidents. They are already
   * marked folded, and the caller took their groups' locks (lockFoldGroups) at the start of
   * the transaction, so the incidents they may join are read under the locks.
   */
  async foldStored(tx: PoolClient, eventsBySite: ReadonlyMap<string, readonly number[]>, now: Date): Promise<() => void> {
    const eventIds = [...eventsBySite.values()].flat();
    const siteHolds = await this.holdsCache.forSites([...eventsBySite.keys()]);
    const { rows } = await tx.query<EventRow>(
      prepared('fold-read-stored', `SELECT ${FOLD_COLUMNS} FROM events WHERE id = ANY($1) ORDER BY id`, [eventIds, [...siteHolds.keys()]]),
    );
    const folded = await this.foldRows(tx, rows, siteHolds, now, { markFolded: false });
    return () => this.afterCommit(folded);
  }

  /**
   * Folds the events read (held-back ones aside) into their incidents: the incident changes,
   * links, timeline entries and live messages, in the caller's transaction, with the groups
   * already locked. markFolded: whether the events are still to be marked folded.
   */
  private async foldRows(
    tx: PoolClient,
    rows: readonly EventRow[],
    siteHolds: ReadonlyMap<string, SiteHolds>,
    now: Date,
    { markFolded }: { markFolded: boolean },
  ): Promise<Folded> {
    if (rows.length === 0) return NOTHING_FOLDED;
    const { gapMs, droneGate } = this.config.correlation;
    // Held-back events are stored and linked to what held them, marked folded, and go no further:
    // no incident, no live message.
    const held: { eventId: number; hold: Hold }[] = [];
    const folding = siteHolds.size === 0 ? rows : rows.filter((r) => {
      const holds = siteHolds.get(r.site_id);
      const hold = holds && heldBack(
        { siteId: r.site_id, sensorId: r.sensor_id, kind: r.kind, zone: r.zone ?? undefined, occurredAt: r.occurred_at, details: r.details ?? {} },
        holds,
      );
      if (hold) held.push({ eventId: Number(r.id), hold });
      return !hold;
    });
    await this.holdsRepository.recordHolds(tx, held, now);
    this.metrics.foldLatency(rows.map((r) => now.getTime() - r.received_at.getTime()));
    if (folding.length === 0) return NOTHING_FOLDED;
    const bySite = new Map<string, FoldableEvent[]>();
    for (const r of folding) {
      const list = bySite.get(r.site_id) ?? [];
      list.push({
        id: Number(r.id),
        kind: r.kind,
        occurredAt: r.occurred_at,
        severity: r.severity ?? undefined,
        zone: r.zone ?? undefined,
        what: r.what ?? undefined,
        ...(r.drone && { drone: droneSighting(r, r.drone) }),
      });
      bySite.set(r.site_id, list);
    }
    const times = folding.map((r) => r.occurred_at.getTime());
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times));
    const active = await incidentWrites.findActiveNear(
      tx,
      [...new Set(folding.filter((r) => !r.drone).map((r) => `${r.site_id}/${r.kind}`))],
      from,
      to,
      gapMs,
    );
    active.push(...(await this.droneTracksFor(tx, folding, from, to)));
    const changes: IncidentChange[] = [];
    for (const [siteId, events] of bySite) {
      const siteActive = active.filter((i) => i.siteId === siteId);
      changes.push(...foldEvents(siteId, siteActive, events, { gapMs, droneGate, now, newId: randomUUID }));
    }

    const links = changes.flatMap((c) => c.eventIds.map((eventId) => ({ incidentId: c.incident.id, eventId })));
    await incidentWrites.applyFold(tx, {
      opened: changes.filter((c) => c.type === 'opened').map((c) => c.incident),
      updated: changes.filter((c) => c.type !== 'opened').map((c) => c.incident),
      links,
      markFolded: markFolded ? links.map((l) => l.eventId) : [],
      foldedAt: now,
      timeline: chainTimeline(
        changes.flatMap((c) => timelineEntries(c, now)),
        await incidentWrites.chainHeads(tx, changes.filter((c) => c.type !== 'opened').map((c) => c.incident.id)),
      ),
    });
    const messages = await appendLiveMessages(
      tx,
      changes.map((c) => ({ type: c.type, incident: incidentView(c.incident) })),
    );
    return { changes, messages };
  }

  /** Once the fold has committed: its live messages to this process's sockets, its metrics and log. */
  private afterCommit({ changes, messages }: Folded): void {
    this.committedLive.committed(messages);
    for (const change of changes) {
      if (change.type !== 'opened') continue;
      this.metrics.incidentsOpened.inc({ kind: change.incident.kinds[0] });
      this.logger.log(
        `Opened incident ${change.incident.id} at ${change.incident.siteId} (${change.incident.ruleIds.join(', ')})`,
      );
    }
  }

  /**
   * The drone tracks this fold's drone detections may join: those that name one of their
   * identities, and, only when some detection is named by none, those within the gate of it
   * in time (drone-tracks.ts decides among them). A site's other tracks are not read.
   */
  private async droneTracksFor(tx: Queryable, rows: readonly EventRow[], from: Date, to: Date): Promise<Incident[]> {
    const drones = rows.filter((r) => r.drone);
    if (drones.length === 0) return [];
    const { gapMs, droneGate } = this.config.correlation;
    const identities = drones.map((r) => ({ r, ...identityOf(r) }));
    const uasIds = [...new Set(identities.flatMap((d) => (d.uasId ? [d.uasId] : [])))];
    const trackKeys = [...new Set(identities.flatMap((d) => (d.trackKey ? [d.trackKey] : [])))];
    const sites = [...new Set(drones.map((r) => r.site_id))];
    const named = await incidentWrites.findDroneTracksNamed(tx, sites, { uasIds, trackKeys }, from, to, gapMs);
    const isNamed = (d: (typeof identities)[number]) =>
      named.some(
        (i) =>
          i.siteId === d.r.site_id &&
          ((d.uasId !== undefined && i.track!.uasIds.includes(d.uasId)) || (d.trackKey !== undefined && i.track!.trackKeys.includes(d.trackKey))),
      );
    const unnamed = identities.filter((d) => !isNamed(d));
    if (unnamed.length === 0) return named;
    const times = unnamed.map((d) => d.r.occurred_at.getTime());
    const near = await incidentWrites.findDroneTracksNear(
      tx,
      [...new Set(unnamed.map((d) => d.r.site_id))],
      new Date(Math.min(...times) - droneGate.ms),
      new Date(Math.max(...times) + droneGate.ms),
      named.map((i) => i.id),
    );
    return [...named, ...near];
  }
}

function identityOf(r: EventRow): { uasId?: string; trackKey?: string } {
  const d = r.drone!;
  return {
    ...(d.uasId !== null && { uasId: d.uasId }),
    ...(d.trackId !== null && { trackKey: trackKey({ gatewayId: r.gateway_id, sensorId: r.sensor_id, trackId: d.trackId }) }),
  };
}

function droneSighting(r: EventRow, d: NonNullable<EventRow['drone']>): DroneSighting {
  const spoofed = d.spoofFix || d.suspectSince !== null;
  return {
    detection: d.detection,
    ...(d.uasId !== null && { uasId: d.uasId }),
    ...(d.trackId !== null && { trackId: d.trackId }),
    gatewayId: r.gateway_id,
    sensorId: r.sensor_id,
    position: { lat: d.lat, lon: d.lon, ...(d.altM !== null && { altM: d.altM }) },
    ...(spoofed && {
      spoof: { ...(d.spoofSpeed !== null && { impliedSpeedMps: d.spoofSpeed }), ...(d.suspectSince !== null && { suspectSince: d.suspectSince }) },
    }),
  };
}

function timelineEntries(change: IncidentChange, at: Date): TimelineEntry[] {
  const base = { incidentId: change.incident.id, at, actor: 'system' };
  const entries: TimelineEntry[] = [];
  // A change that only links a track to another joins no events: nothing to say but the link.
  if (change.type === 'opened' || change.eventIds.length > 0) {
    entries.push({
      ...base,
      action: change.type === 'opened' ? 'opened' : 'events-joined',
      details: { eventIds: change.eventIds.slice(0, 1000), eventCount: change.eventIds.length },
    });
  }
  for (const note of change.notes) entries.push({ ...base, ...note });
  if (change.type === 'escalated') {
    entries.push({ ...base, action: 'escalated', details: { from: change.previousSeverity, to: change.incident.severity } });
  }
  return entries;
}
