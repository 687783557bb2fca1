import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db, prepared, type Queryable } from 'src/database/db';
import { trackKey, type DroneSighting } from 'src/domain/incidents/drone-tracks';
import { foldEvents, type FoldableEvent, type IncidentChange } from 'src/domain/incidents/fold-events';
import type { Incident } from 'src/domain/incidents/incident';
import { heldBack, type Hold, type SiteHolds } from 'src/domain/silences/held-back';
import { bindEvents, boundEvent, type BoundEvent } from 'src/incidents/event-binding';
import { chainTimeline, incidentView, incidentWrites, type TimelineEntry } from 'src/incidents/incident.repository';
import { CommittedLive } from 'src/live/committed-live';
import type { LiveMessage } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { SilenceHoldsCache } from 'src/silences/silence-holds.cache';
import { SilenceHoldsRepository } from 'src/silences/silence-holds.repository';
import { announceEventsSettled } from './events-settled';
import { eventUnderPosture, type EventUnderPosture } from 'src/domain/posture/event-under-posture';
import { PostureHistoryCache } from 'src/posture/posture-history.cache';
import { foldColumns, type FoldRow } from './fold-row';

/** A fold's read of events ($2 of fold-read: the sites that hold anything back, whose kind objects are read). */
const FOLD_READ_COLUMNS = foldColumns('CASE WHEN site_id = ANY($2) THEN details END');

/** What a fold wrote: the incident changes and their live messages. */
interface Folded {
  changes: IncidentChange[];
  messages: LiveMessage[];
}

const NOTHING_FOLDED: Folded = { changes: [], messages: [] };

/** How many waiting events of its groups a job folds besides its own. */
const EXTRA_EVENTS_PER_JOB = 5000;

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
    private readonly postureCache: PostureHistoryCache,
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
      (
        await this.db.query<{ site_id: string }>('SELECT DISTINCT site_id FROM events WHERE id = ANY($1)', [eventIds])
      ).map((r) => r.site_id);
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
      const { rows } = await tx.query<FoldRow>(
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
           SELECT ${FOLD_READ_COLUMNS}
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
   * Folds events stored in this same transaction (an ingest batch's: storeBatch with `inline`,
   * whose INSERT returned them as `rows`), so one commit makes them durable and puts them in
   * their incidents. They are already marked folded, and storeBatch took their groups' locks
   * first thing in the transaction, so the incidents they may join are read under the locks.
   */
  async foldStored(tx: PoolClient, rows: readonly FoldRow[], now: Date): Promise<() => void> {
    const siteHolds = await this.holdsCache.forSites([...new Set(rows.map((r) => r.site_id))]);
    const inOrder = [...rows].sort((a, b) => Number(a.id) - Number(b.id)); // as a fold reads them
    const folded = await this.foldRows(tx, inOrder, siteHolds, now, { markFolded: false });
    return () => this.afterCommit(folded);
  }

  /**
   * Posture hook: how the site's threat posture at each event's own time changes its fold
   * (silences suspended, severity raised; src/domain/posture/event-under-posture.ts). Empty,
   * at the cost of a cache lookup, when none of the sites has ever had a posture or floor.
   */
  private async underPosture(rows: readonly FoldRow[]): Promise<Map<FoldRow, EventUnderPosture>> {
    const histories = await this.postureCache.forSites([...new Set(rows.map((r) => r.site_id))]);
    const result = new Map<FoldRow, EventUnderPosture>();
    if (histories.size === 0) return result;
    for (const r of rows) {
      const history = histories.get(r.site_id);
      if (!history) continue;
      const event = {
        kind: r.kind,
        zone: r.zone ?? undefined,
        severity: r.severity ?? undefined,
        occurredAt: r.occurred_at,
      };
      result.set(r, eventUnderPosture(history, this.config.posture.profiles, event));
    }
    return result;
  }

  /**
   * Folds the events read (held-back ones aside) into their incidents: the incident changes,
   * links, timeline entries and live messages, in the caller's transaction, with the groups
   * already locked. markFolded: whether the events are still to be marked folded.
   */
  private async foldRows(
    tx: PoolClient,
    rows: readonly FoldRow[],
    siteHolds: ReadonlyMap<string, SiteHolds>,
    now: Date,
    { markFolded }: { markFolded: boolean },
  ): Promise<Folded> {
    if (rows.length === 0) return NOTHING_FOLDED;
    // Once this commits the correlator may take these events: it wakes on this (events-settled.ts).
    await announceEventsSettled(tx);
    const { gapMs, droneGate } = this.config.correlation;
    // Held-back events are stored and linked to what held them, marked folded, and go no further:
    // no incident, no live message.
    const held: { eventId: number; hold: Hold }[] = [];
    const posture = await this.underPosture(rows);
    const folding =
      siteHolds.size === 0
        ? rows
        : rows.filter((r) => {
            if (posture.get(r)?.silencesSuspended) return true;
            const holds = siteHolds.get(r.site_id);
            const hold =
              holds &&
              heldBack(
                {
                  siteId: r.site_id,
                  sensorId: r.sensor_id,
                  kind: r.kind,
                  zone: r.zone ?? undefined,
                  occurredAt: r.occurred_at,
                  details: r.details ?? {},
                },
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
        severity: posture.has(r) ? posture.get(r)!.severity : (r.severity ?? undefined),
        zone: r.zone ?? undefined,
        what: r.what ?? undefined,
        ...(r.drone && { drone: droneSighting(r, r.drone) }),
      });
      bySite.set(r.site_id, list);
    }
    const times = folding.map((r) => r.occurred_at.getTime());
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times));
    const active = await this.candidatesFor(tx, folding, from, to);
    const changes: IncidentChange[] = [];
    for (const [siteId, events] of bySite) {
      const siteActive = active.filter((i) => i.siteId === siteId);
      changes.push(...foldEvents(siteId, siteActive, events, { gapMs, droneGate, now, newId: randomUUID }));
    }

    const links = changes.flatMap((c) => c.eventIds.map((eventId) => ({ incidentId: c.incident.id, eventId })));
    const bound = new Map(folding.map((r) => [Number(r.id), boundEvent(r)]));
    const messages = await incidentWrites.applyFold(
      tx,
      {
        opened: changes.filter((c) => c.type === 'opened').map((c) => c.incident),
        updated: changes.filter((c) => c.type !== 'opened').map((c) => c.incident),
        links,
        markFolded: markFolded ? links.map((l) => l.eventId) : [],
        foldedAt: now,
        timeline: chainTimeline(
          changes.flatMap((c) => timelineEntries(c, now, bound)),
          await incidentWrites.chainHeads(
            tx,
            changes.filter((c) => c.type !== 'opened').map((c) => c.incident.id),
          ),
        ),
      },
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
      this.logger.log({
        msg: 'Opened incident',
        incidentId: change.incident.id,
        siteId: change.incident.siteId,
        rules: change.incident.ruleIds,
      });
    }
  }

  /**
   * The incidents this fold's events may join, locked: the open incidents of their (site, kind)
   * groups, and, for drone detections, the tracks that name one of their identities; only when
   * some detection is named by none, also the tracks within the gate of it in time
   * (drone-tracks.ts decides among them). A site's other tracks are not read.
   */
  private async candidatesFor(tx: Queryable, rows: readonly FoldRow[], from: Date, to: Date): Promise<Incident[]> {
    const { gapMs, droneGate } = this.config.correlation;
    const drones = rows.filter((r) => r.drone);
    const identities = drones.map((r) => ({ r, ...identityOf(r) }));
    const { active, named } = await incidentWrites.findFoldCandidates(
      tx,
      [...new Set(rows.filter((r) => !r.drone).map((r) => `${r.site_id}/${r.kind}`))],
      {
        siteIds: [...new Set(drones.map((r) => r.site_id))],
        uasIds: [...new Set(identities.flatMap((d) => (d.uasId ? [d.uasId] : [])))],
        trackKeys: [...new Set(identities.flatMap((d) => (d.trackKey ? [d.trackKey] : [])))],
      },
      from,
      to,
      gapMs,
    );
    const isNamed = (d: (typeof identities)[number]) =>
      named.some(
        (i) =>
          i.siteId === d.r.site_id &&
          ((d.uasId !== undefined && i.track!.uasIds.includes(d.uasId)) ||
            (d.trackKey !== undefined && i.track!.trackKeys.includes(d.trackKey))),
      );
    const unnamed = identities.filter((d) => !isNamed(d));
    if (unnamed.length === 0) return [...active, ...named];
    const times = unnamed.map((d) => d.r.occurred_at.getTime());
    const near = await incidentWrites.findDroneTracksNear(
      tx,
      [...new Set(unnamed.map((d) => d.r.site_id))],
      new Date(Math.min(...times) - droneGate.ms),
      new Date(Math.max(...times) + droneGate.ms),
      named.map((i) => i.id),
    );
    return [...active, ...named, ...near];
  }
}

function identityOf(r: FoldRow): { uasId?: string; trackKey?: string } {
  const d = r.drone!;
  return {
    ...(d.uasId !== null && { uasId: d.uasId }),
    ...(d.trackId !== null && {
      trackKey: trackKey({ gatewayId: r.gateway_id, sensorId: r.sensor_id, trackId: d.trackId }),
    }),
  };
}

function droneSighting(r: FoldRow, d: NonNullable<FoldRow['drone']>): DroneSighting {
  const spoofed = d.spoofFix || d.suspectSince !== null;
  return {
    detection: d.detection,
    ...(d.uasId !== null && { uasId: d.uasId }),
    ...(d.trackId !== null && { trackId: d.trackId }),
    gatewayId: r.gateway_id,
    sensorId: r.sensor_id,
    position: { lat: d.lat, lon: d.lon, ...(d.altM !== null && { altM: d.altM }) },
    ...(spoofed && {
      spoof: {
        ...(d.spoofSpeed !== null && { impliedSpeedMps: d.spoofSpeed }),
        ...(d.suspectSince !== null && { suspectSince: d.suspectSince }),
      },
    }),
  };
}

/**
 * The change's timeline entries; the one saying the events joined binds them, with their
 * payload hashes, into the incident's chain (event-binding.ts).
 */
function timelineEntries(change: IncidentChange, at: Date, bound: ReadonlyMap<number, BoundEvent>): TimelineEntry[] {
  const base = { incidentId: change.incident.id, at, actor: 'system' };
  let entries: TimelineEntry[] = [];
  // A change that only links a track to another joins no events: nothing to say but the link.
  const joins = change.type === 'opened' || change.eventIds.length > 0;
  if (joins) {
    entries.push({
      ...base,
      action: change.type === 'opened' ? 'opened' : 'events-joined',
      details: { eventIds: change.eventIds.slice(0, 1000), eventCount: change.eventIds.length },
    });
  }
  for (const note of change.notes) entries.push({ ...base, ...note });
  if (change.type === 'escalated') {
    entries.push({
      ...base,
      action: 'escalated',
      details: { from: change.previousSeverity, to: change.incident.severity },
    });
  }
  if (joins) entries = bindEvents(entries, 0, change.eventIds, bound);
  return entries;
}
