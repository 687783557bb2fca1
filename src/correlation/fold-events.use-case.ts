import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import type { Kind, Severity } from 'src/domain/events/canonical-event.schema';
import { foldEvents, type FoldableEvent, type IncidentChange } from 'src/domain/incidents/fold-events';
import { incidentView, incidentWrites } from 'src/incidents/incident.repository';
import { appendLiveMessages } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';

interface EventRow {
  id: string;
  site_id: string;
  kind: Kind;
  occurred_at: Date;
  received_at: Date;
  severity: Severity | null;
  zone: string | null;
  what: string | null;
}

/**
 * Folds stored events into incidents, one transaction per site. Per site and kind an advisory
 * lock serialises folding, so concurrent workers never open two incidents where one belongs;
 * events already folded (by a duplicate job) are skipped, so a job can run any number of times.
 */
@Injectable()
export class FoldEventsUseCase {
  private readonly logger = new Logger(FoldEventsUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(eventIds: readonly number[]): Promise<void> {
    const pending = await this.db.query<{ id: string; site_id: string; kind: Kind }>(
      'SELECT id, site_id, kind FROM events WHERE id = ANY($1) AND folded_at IS NULL',
      [eventIds],
    );
    const bySite = new Map<string, { ids: number[]; kinds: Set<Kind> }>();
    for (const row of pending) {
      const entry = bySite.get(row.site_id) ?? { ids: [], kinds: new Set<Kind>() };
      entry.ids.push(Number(row.id));
      entry.kinds.add(row.kind);
      bySite.set(row.site_id, entry);
    }
    for (const [siteId, { ids, kinds }] of bySite) {
      await this.foldSite(siteId, ids, [...kinds].sort());
    }
  }

  private async foldSite(siteId: string, ids: number[], kinds: Kind[]): Promise<void> {
    const gapMs = this.config.correlation.gapMs;
    const changes = await this.db.transaction(async (tx) => {
      for (const kind of kinds) {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`fold:${siteId}/${kind}`]);
      }
      // Under the locks: whatever another worker folded meanwhile is now visibly folded.
      const { rows } = await tx.query<EventRow>(
        `SELECT id, site_id, kind, occurred_at, received_at, severity, zone,
                COALESCE(details->>'signature', details->>'category', details->>'detection') AS what
           FROM events WHERE id = ANY($1) AND folded_at IS NULL FOR UPDATE`,
        [ids],
      );
      if (rows.length === 0) return [];
      const events: FoldableEvent[] = rows.map((r) => ({
        id: Number(r.id),
        kind: r.kind,
        occurredAt: r.occurred_at,
        severity: r.severity ?? undefined,
        zone: r.zone ?? undefined,
        what: r.what ?? undefined,
      }));
      const times = events.map((e) => e.occurredAt.getTime());
      const active = await incidentWrites.findActiveNear(
        tx,
        siteId,
        [...new Set(events.map((e) => e.kind))],
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
        gapMs,
      );
      const now = this.clock.now();
      const changes = foldEvents(siteId, active, events, { gapMs, now, newId: randomUUID });

      await incidentWrites.insert(
        tx,
        changes.filter((c) => c.type === 'opened').map((c) => c.incident),
      );
      for (const change of changes) {
        if (change.type !== 'opened') await incidentWrites.updateFolded(tx, change.incident);
      }
      await incidentWrites.link(
        tx,
        changes.flatMap((c) => c.eventIds.map(() => c.incident.id)),
        changes.flatMap((c) => c.eventIds),
      );
      await tx.query('UPDATE events SET folded_at = $2 WHERE id = ANY($1)', [events.map((e) => e.id), now]);
      await incidentWrites.addTimeline(tx, changes.flatMap((c) => timelineEntries(c, now)));
      await appendLiveMessages(
        tx,
        siteId,
        changes.map((c) => ({ type: c.type, incident: incidentView(c.incident) })),
      );
      this.metrics.foldLatency(rows.map((r) => now.getTime() - r.received_at.getTime()));
      return changes;
    });
    for (const change of changes) {
      if (change.type === 'opened') {
        this.metrics.incidentsOpened.inc({ kind: change.incident.kinds[0] });
        this.logger.log(`Opened incident ${change.incident.id} at ${siteId} (${change.incident.ruleIds.join(', ')})`);
      }
    }
  }
}

function timelineEntries(change: IncidentChange, at: Date) {
  const base = { incidentId: change.incident.id, at, actor: 'system' };
  const entries = [
    {
      ...base,
      action: change.type === 'opened' ? 'opened' : 'events-joined',
      details: { eventIds: change.eventIds.slice(0, 1000), eventCount: change.eventIds.length },
    },
  ];
  if (change.type === 'escalated') {
    entries.push({
      ...base,
      action: 'escalated',
      details: { from: change.previousSeverity, to: change.incident.severity } as never,
    });
  }
  return entries;
}
