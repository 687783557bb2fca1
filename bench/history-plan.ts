/**
 * The growth phase's history, planned: how many events go where and when, in which chunks, and
 * what a site keeps at steady state under retention. Pure (no database): the loader
 * (history-loader.ts) turns each chunk into SQL.
 */

const DAY_MS = 86_400_000;

/** What realistic traffic looks like, per event; the loader's SQL follows these shares. */
export const HISTORY_PROPORTIONS = {
  /** The bench's own mix (load.ts). */
  kinds: { drone: 0.45, cyber: 0.4, theft: 0.15 },
  /** Mean events folded into one incident (realistic traffic: one incident per 50–500 events). */
  eventsPerIncident: 150,
  /** An incident's events are bound in one timeline entry per this many (opened, then events-joined), at most 4 entries. */
  eventsPerJoinEntry: 100,
  maxJoinEntries: 4,
  /** History incidents are all answered: 90 % resolved, the rest acknowledged (none open, so nothing escalates). */
  resolvedShare: 0.9,
  /** Rejected input and health changes, per event. */
  rejectedPerEvent: 1 / 500,
  healthChangesPerEvent: 1 / 5000,
  gatewaysPerSite: 3,
} as const;

export interface HistoryOptions {
  /** Events in all. */
  events: number;
  /** Spread over this many 30-day months, ending at `endAt`. */
  months: number;
  endAt: Date;
  /** The bench's own sites: they get history too, at the same rate as the others. */
  benchSites: readonly string[];
  /** How many sites of history besides the bench's own. */
  otherSites: number;
  /** Events written by one statement (one chunk, one transaction). */
  chunkEvents: number;
  /** Connections loading in parallel; each owns a disjoint set of sites. */
  workers: number;
}

export interface HistoryChunk {
  index: number;
  worker: number;
  siteIds: string[];
  from: Date;
  to: Date;
  events: number;
}

/** The names of the other sites of history. */
export function historySiteIds(otherSites: number): string[] {
  return Array.from({ length: otherSites }, (_, i) => `hist-${String(i + 1).padStart(4, '0')}`);
}

/**
 * Splits the history into chunks: the sites are dealt to the workers (so two connections never
 * write the same site's incidents or live counter), each worker's share of events (by its number
 * of sites) into chunks of at most chunkEvents, each chunk an equal slice of the time span.
 * Chunks are listed in time order per worker, the workers' interleaved.
 */
export function planHistory(o: HistoryOptions): HistoryChunk[] {
  if (!(o.events > 0 && o.months > 0 && o.chunkEvents > 0 && o.workers > 0))
    throw new Error('history: events, months, chunkEvents and workers must be positive');
  const sites = [...o.benchSites, ...historySiteIds(o.otherSites)];
  const workers = Math.min(o.workers, sites.length);
  const start = o.endAt.getTime() - o.months * 30 * DAY_MS;
  const span = o.endAt.getTime() - start;
  const perWorker: HistoryChunk[][] = [];
  let assigned = 0;
  for (let w = 0; w < workers; w++) {
    const siteIds = sites.filter((_, i) => i % workers === w);
    // The last worker takes the rounding remainder, so the chunks add up to o.events exactly.
    const events = w === workers - 1 ? o.events - assigned : Math.floor((o.events * siteIds.length) / sites.length);
    assigned += events;
    const count = Math.max(1, Math.ceil(events / o.chunkEvents));
    const chunks: HistoryChunk[] = [];
    for (let c = 0; c < count; c++) {
      const lo = Math.floor((events * c) / count);
      const hi = Math.floor((events * (c + 1)) / count);
      chunks.push({
        index: 0,
        worker: w,
        siteIds,
        from: new Date(start + Math.floor((span * c) / count)),
        to: new Date(start + Math.floor((span * (c + 1)) / count)),
        events: hi - lo,
      });
    }
    perWorker.push(chunks);
  }
  const out: HistoryChunk[] = [];
  for (let c = 0; perWorker.some((chunks) => c < chunks.length); c++) {
    for (const chunks of perWorker) if (c < chunks.length && chunks[c].events > 0) out.push(chunks[c]);
  }
  return out.map((chunk, index) => ({ ...chunk, index }));
}

/** Retention, in days, per kind of row (the retention settings of issue 19, item 2). */
export interface RetentionDays {
  eventsOutsideIncidents: number;
  eventsInResolvedIncidents: number;
  liveLog: number;
  rejected: number;
  health: number;
}

/** The defaults issue 19 proposes, used until OreGuard's own retention settings exist. */
export const DEFAULT_RETENTION_DAYS: RetentionDays = {
  eventsOutsideIncidents: 30,
  eventsInResolvedIncidents: 365,
  liveLog: 30,
  rejected: 90,
  health: 180,
};

/** The tables that grow with traffic, and which retention keeps each. */
export const GROWING_TABLES = {
  events: 'events',
  incident_events: 'eventsInResolvedIncidents',
  incidents: 'eventsInResolvedIncidents',
  incident_spans: 'eventsInResolvedIncidents',
  incident_timeline: 'eventsInResolvedIncidents',
  live_messages: 'liveLog',
  rejected_events: 'rejected',
  sensor_health_changes: 'health',
  event_holds: 'eventsOutsideIncidents',
} as const satisfies Record<string, keyof RetentionDays | 'events'>;
export type GrowingTable = keyof typeof GROWING_TABLES;

/** One table as measured: rows, and bytes on disk with its indexes and TOAST. */
export interface TableSize {
  rows: number;
  bytes: number;
}

export interface SteadyState {
  eventsPerSec: number;
  retention: RetentionDays;
  /** Share of events in no incident (they fall under the shorter retention). */
  shareOutsideIncidents: number;
  tables: Record<string, { rows: number; bytes: number }>;
  totalBytes: number;
}

/**
 * What a site writing `eventsPerSec` keeps once retention removes as much as arrives: each
 * table's rows per event (as measured) times the events of its retention window, times its
 * measured bytes per row. Events split by whether they are in an incident; the rows that live
 * and die with incidents follow the resolved incidents' retention (open and held incidents are
 * kept longer, but are few).
 */
export function steadyState(
  measured: Partial<Record<GrowingTable, TableSize>>,
  eventsPerSec: number,
  retention: RetentionDays,
  shareOutsideIncidents: number,
): SteadyState {
  const events = measured.events?.rows ?? 0;
  if (events === 0) throw new Error('steady state: no events measured');
  const perDay = eventsPerSec * 86_400;
  const tables: SteadyState['tables'] = {};
  let totalBytes = 0;
  for (const [table, keptBy] of Object.entries(GROWING_TABLES) as [
    GrowingTable,
    (typeof GROWING_TABLES)[GrowingTable],
  ][]) {
    const m = measured[table];
    if (!m || m.rows === 0) continue;
    const days =
      keptBy === 'events'
        ? shareOutsideIncidents * retention.eventsOutsideIncidents +
          (1 - shareOutsideIncidents) * retention.eventsInResolvedIncidents
        : retention[keptBy];
    const rows = (m.rows / events) * perDay * days;
    const bytes = rows * (m.bytes / m.rows);
    tables[table] = { rows: Math.round(rows), bytes: Math.round(bytes) };
    totalBytes += bytes;
  }
  return { eventsPerSec, retention, shareOutsideIncidents, tables, totalBytes: Math.round(totalBytes) };
}

/** Bytes of the growing tables per million events stored. */
export function bytesPerMillionEvents(measured: Partial<Record<GrowingTable, TableSize>>): number {
  const events = measured.events?.rows ?? 0;
  if (events === 0) return 0;
  const bytes = Object.values(measured).reduce((sum, m) => sum + (m?.bytes ?? 0), 0);
  return Math.round((bytes / events) * 1_000_000);
}
