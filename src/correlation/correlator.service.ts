import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db, sessionOptions, type Queryable } from 'src/database/db';
import {
  contextFromOutages,
  type CorrelationContext,
  type KeyedSiteEvent,
  type MatchUpdate,
} from 'src/domain/correlation';
import {
  foldMatches,
  isRuleIncident,
  ruleGroupKey,
  type MatchChange,
  type MatchedEvent,
} from 'src/domain/correlation/match-incidents';
import type { Incident } from 'src/domain/incidents/incident';
import { levelAt } from 'src/domain/posture/posture-at';
import { PostureEngines } from 'src/domain/posture/posture-engines';
import { siteEventFromRow } from 'src/events/site-event-row';
import { CommittedLive } from 'src/live/committed-live';
import type { LiveMessage } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { PostureHistoryCache } from 'src/posture/posture-history.cache';
import { correlatorStore, type CorrelationCursor, type MatchedEventRow } from './correlator.repository';
import { EVENTS_SETTLED_CHANNEL } from './events-settled';
import { foldLockKey, lockFoldGroups } from './fold-locks';
import { LoadedRules } from './loaded-rules';
import { WakeablePause } from 'src/platform/wakeable-pause';

/** Events taken per step; a full step is followed at once by the next. */
const BATCH_SIZE = 2000;
/** Events read per query while rebuilding the engine's state. */
const HISTORY_PAGE = 5000;
/** The session lock that makes one correlator of all instances the live one. */
const LEASE_KEY = 'oreguard/correlator';

const DAY_MS = 86_400_000;

/** What a step wrote: its incident changes and their live messages, numbered; and the events its matches named. */
interface Written {
  changes: MatchChange[];
  messages: LiveMessage[];
  matched: ReadonlyMap<string, MatchedEventRow>;
}

const NOTHING_WRITTEN: Written = { changes: [], messages: [], matched: new Map() };

/**
 * When the events these matches name were received, at the earliest, give or take: a match's
 * events occurred from its firstAt on, and none was accepted more than EVENT_MAX_FUTURE_MS
 * ahead of OreGuard's clock as it arrived. A day's margin covers a message read some time after
 * it was stamped received. Only a hint for the read (correlatorStore.matchedEvents): an event
 * outside it is still found.
 */
function receivedSince(updates: readonly MatchUpdate[], maxFutureMs: number): Date {
  const first = Math.min(...updates.map((u) => u.firstAt.getTime()));
  return new Date(first - maxFutureMs - DAY_MS);
}

/**
 * Live correlation: runs the rule set (RULES_DIR) over accepted events and opens or escalates
 * incidents from its matches (domain/correlation/match-incidents.ts).
 *
 * One engine sees every event, so one instance correlates at a time: the one holding a
 * PostgreSQL session lock (the lease); the others wait and take over if it goes. The live one
 * reads events in commit order from a cursor (migration 1764780000000) once folding has
 * settled them (so it knows the incident each lies in, and which a silence held back), and
 * writes the incidents it changes, their live messages and the cursor's new place in one
 * transaction: a crash repeats no change and loses none.
 *
 * On taking the lease, and after any failure, the engine's state is rebuilt from the stored
 * events of its state span (allowed lateness plus the rules' windows) up to the cursor,
 * without writing: their matches were applied when they first came.
 *
 * Each event is judged by the rules as the posture in force at its site at its own time
 * tightens them (src/domain/posture/posture-engines.ts: one engine per level), as a backtest
 * judges it; the level comes from the posture history, so a rebuild judges each stored event
 * as it was judged when it came.
 *
 * It steps when a fold commits: the lease's own connection LISTENs to the folds' announcement
 * (events-settled.ts) and cuts the pause short, so a rule's incident follows its events by a
 * step, not by a poll. Under load the wake-ups are coalesced (gather()): a step begins at least
 * CORRELATOR_WAKE_WINDOW_MS after the one before, and takes everything committed meanwhile.
 * The poll (CORRELATOR_INTERVAL_MS) stays as the fallback: nothing depends on a notification
 * arriving.
 */
@Injectable()
export class CorrelatorService implements OnModuleDestroy {
  private readonly logger = new Logger(CorrelatorService.name);
  private lease?: Client;
  private engine?: PostureEngines;
  private cursor?: CorrelationCursor;
  /** Sensor outages of the sites in the current step, for rules that ask whether a zone was blind. */
  private context: CorrelationContext = {};
  private stopped = true;
  private loop?: Promise<void>;
  private readonly idle = new WakeablePause();
  /** The earliest a step woken by a fold may begin (performance.now()): see gather(). */
  private nextStepAt = 0;
  /** How long to wait before looking again for events hidden behind an older transaction (0: none hidden). */
  private hiddenRetryMs = 0;

  constructor(
    private readonly db: Db,
    private readonly rules: LoadedRules,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly committedLive: CommittedLive,
    private readonly postureCache: PostureHistoryCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(): void {
    if (this.rules.ruleSet.rules.length === 0) return;
    // Only where correlation runs: with no rules the cursor stays put and the count would be every event.
    this.metrics.onScrape(async () =>
      this.metrics.correlationPending.set(await this.db.withoutTableScans((tx) => correlatorStore.pending(tx))),
    );
    // What the engine holds, to watch its memory against CORRELATION_MAX_SIGNALS (zero where another instance correlates).
    this.metrics.onScrape(async () => {
      const held = this.engine?.held;
      this.metrics.correlationStateSignals.set(held?.signals ?? 0);
      this.metrics.correlationStateGroups.set(held?.groups ?? 0);
      this.metrics.correlatorLeaseHeld.set(this.live ? 1 : 0);
    });
    this.stopped = false;
    this.loop = this.run();
  }

  /** Whether this instance holds the lease and its engine is ready. */
  get live(): boolean {
    return this.engine !== undefined;
  }

  private async run(): Promise<void> {
    const { intervalMs, wakeWindowMs, leaseRetryMs } = this.config.correlator;
    while (!this.stopped) {
      let pause: number;
      try {
        if (!this.lease) {
          pause = (await this.acquireLease()) ? 0 : leaseRetryMs;
        } else {
          if (!this.engine) await this.rebuild();
          const startedAt = performance.now();
          const taken = await this.step();
          const endedAt = performance.now();
          this.nextStepAt = Math.max(startedAt + wakeWindowMs, endedAt + Math.min(endedAt - startedAt, intervalMs));
          pause = taken >= BATCH_SIZE ? 0 : await this.pauseAfterShortStep();
        }
      } catch (error) {
        this.logger.warn(`Correlation step failed, state is rebuilt: ${(error as Error).message}`);
        this.engine = undefined;
        pause = leaseRetryMs;
      }
      if (pause > 0 && !this.stopped) {
        await this.idle.wait(pause);
        await this.gather();
      }
    }
  }

  /**
   * The pause after a step that took everything it could: until the poll, or, when events
   * wait behind an older transaction still running (whose end no fold announces), a short
   * look again, backing off from CORRELATOR_WAKE_WINDOW_MS to CORRELATOR_INTERVAL_MS while it runs.
   */
  private async pauseAfterShortStep(): Promise<number> {
    const { intervalMs, wakeWindowMs } = this.config.correlator;
    // A fold committed during the step: the next step comes at once and takes what has become
    // visible, so there is no need to look (a query per step under load).
    if (this.idle.wakePending) return intervalMs;
    if (!this.engine || !this.lease || !(await correlatorStore.hiddenBehindOlder(this.lease, this.cursor!))) {
      this.hiddenRetryMs = 0;
      return intervalMs;
    }
    this.hiddenRetryMs = Math.min(intervalMs, Math.max(wakeWindowMs, 1, this.hiddenRetryMs * 2));
    return this.hiddenRetryMs;
  }

  /**
   * After a wake-up, waits until the next step may begin: at least CORRELATOR_WAKE_WINDOW_MS
   * after the last one began, and at least as long after it ended as it took (never longer
   * than the poll would wait). When folds commit one after another, each wake-up would
   * otherwise make a step (and a transaction) of its own; this way a step takes every commit
   * of its window, and when steps grow slow (a busy CPU) the correlator still leaves at least
   * half the time to folding. A full batch is followed at once, without this wait: the
   * correlator is catching up.
   */
  private async gather(): Promise<void> {
    const left = this.nextStepAt - performance.now();
    if (left > 0 && !this.stopped) await sleep(left);
  }

  /** Tries the lease on a connection of its own; holding it lasts as long as that session. */
  private async acquireLease(): Promise<boolean> {
    // The lease's session also reads the new events, planned by index (db.ts, PlanChoice).
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'oreguard-correlator',
      options: sessionOptions('indexed'),
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [LEASE_KEY],
      );
      if (!rows[0].ok) {
        await client.end();
        return false;
      }
      // Holding the lease, this session also hears the folds commit: each cuts the pause short.
      client.on('notification', () => this.idle.wake());
      await client.query(`LISTEN ${EVENTS_SETTLED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.on('end', () => this.loseLease(client));
    client.on('error', () => this.loseLease(client));
    this.lease = client;
    this.logger.log('Took the correlation lease: this instance correlates');
    return true;
  }

  private loseLease(client: Client): void {
    if (this.lease !== client) return;
    this.lease = undefined;
    this.engine = undefined;
    if (!this.stopped) this.logger.warn('Lost the correlation lease');
  }

  /**
   * A fresh engine fed the stored events of its state span (at most CORRELATION_MAX_SIGNALS of
   * the newest), up to the cursor, writing nothing.
   */
  private async rebuild(): Promise<void> {
    const lease = this.lease;
    if (!lease) throw new Error('the correlation lease was lost');
    const engine = new PostureEngines(this.rules.ruleSet, this.config.posture.profiles, {
      allowedLatenessMs: this.config.ingest.allowedLatenessMs,
      maxGroupSignals: this.config.correlator.maxGroupSignals,
      maxSignals: this.config.correlator.maxSignals,
      context: { blindSensors: (siteId, zone, at) => this.context.blindSensors?.(siteId, zone, at) ?? [] },
    });
    const cursor = await correlatorStore.cursor(this.db.pool);
    const span = new Date(this.clock.now().getTime() - engine.stateSpanMs);
    // After a busy hour the span can hold millions of events; no more than the budget is read.
    const from = await correlatorStore.historyStart(this.db.pool, span, this.config.correlator.maxSignals);
    let after: { at: Date; id: string } | null = null;
    let replayed = 0;
    for (;;) {
      const page = await correlatorStore.historyPage(this.db.pool, cursor, from, after, HISTORY_PAGE);
      const events = page.map(siteEventFromRow);
      await this.loadContext(lease, events);
      const levelOf = await this.postureLevels(events);
      for (const event of events) engine.push(event, levelOf(event));
      replayed += page.length;
      if (page.length < HISTORY_PAGE) break;
      const last = page[page.length - 1];
      after = { at: last.occurred_at, id: String(last.id) };
    }
    this.engine = engine;
    this.cursor = cursor;
    this.logger.log(`Correlation state rebuilt from ${replayed} events`);
  }

  /**
   * Takes the settled events after the cursor (up to the first one folding has not settled),
   * pushes them through the engine and applies its matches. Returns how many it took.
   */
  private async step(): Promise<number> {
    const engine = this.engine!;
    const from = this.cursor!;
    // The lease's session as the step began: if it is lost meanwhile, the step's reads on it
    // fail with that session's error, and its write finds the cursor moved or fails.
    const lease = this.lease;
    if (!lease) return 0;
    const rows = await correlatorStore.newEvents(lease, from, BATCH_SIZE);
    const unsettled = rows.findIndex((r) => !r.settled);
    const taken = unsettled === -1 ? rows : rows.slice(0, unsettled);
    if (taken.length === 0) return 0;
    const last = taken[taken.length - 1];
    const to = { xid: last.ingest_xid, eventId: String(last.id) };

    // In event-time order, so a step's matches do not depend on the order of commits within it.
    const events = taken
      .filter((r) => !r.held)
      .map(siteEventFromRow)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || Number(a.key) - Number(b.key));
    await this.loadContext(lease, events);
    const levelOf = await this.postureLevels(events);
    const updates: MatchUpdate[] = [];
    const shedBefore = engine.shed;
    let late = 0;
    for (const event of events) {
      const result = engine.push(event, levelOf(event));
      if (result.late) late++;
      updates.push(...result.updates);
    }
    if (late > 0) this.metrics.correlationLate.inc(late);
    if (engine.shed > shedBefore) this.metrics.correlationShed.inc(engine.shed - shedBefore);

    const applied = await this.apply(lease, updates, from, to);
    if (!applied) {
      this.logger.warn('The correlation cursor moved under this instance: another one correlates');
      this.engine = undefined;
      await this.lease?.end().catch(() => undefined);
      return 0;
    }
    this.cursor = to;
    return rows.length === BATCH_SIZE && unsettled === -1 ? BATCH_SIZE : taken.length;
  }

  /** The posture in force at each event's site at its own time (posture-history.cache.ts). */
  private async postureLevels(events: readonly KeyedSiteEvent[]) {
    const histories = await this.postureCache.forSites([...new Set(events.map((e) => e.siteId))]);
    return (event: KeyedSiteEvent) => levelAt(histories.get(event.siteId), event.occurredAt);
  }

  /** Outages of the sites and times of these events, when a rule asks whether a zone was blind. */
  private async loadContext(q: Queryable, events: readonly KeyedSiteEvent[]): Promise<void> {
    const ruleSet = this.rules.ruleSet;
    const asking = events.filter((e) => e.zone && ruleSet.detections.some((r) => r.zoneBlind && r.matches(e)));
    if (asking.length === 0) return;
    const times = asking.map((e) => e.occurredAt.getTime());
    const outages = await correlatorStore.outages(
      q,
      [...new Set(asking.map((e) => e.siteId))],
      new Date(Math.min(...times)),
      new Date(Math.max(...times)),
    );
    this.context = contextFromOutages(outages);
  }

  /**
   * Applies the matches and moves the cursor in one transaction; false if the cursor was not where expected.
   *
   * What the matches name (their events, and the incidents folding put them in) is read on the
   * lease's own connection while the transaction moves the cursor and locks the rules'
   * incidents: those reads lock nothing, and in the transaction too each would see what had
   * committed when it began, so they need not wait their turn there. The step is two round
   * trips shorter for it.
   */
  private async apply(
    lease: Client,
    updates: MatchUpdate[],
    from: CorrelationCursor,
    to: CorrelationCursor,
  ): Promise<boolean> {
    const reading = this.readMatched(lease, updates);
    // Awaited in the transaction; should that fail first, this read's own failure is not unhandled.
    reading.catch(() => undefined);
    const sites = [...new Set(updates.map((u) => u.siteId))].sort();
    const ruleGroups = updates.map((u) => ({ siteId: u.siteId, groupKey: ruleGroupKey(u.ruleId, u.group) }));
    // A rule's incident can take a match only if it was last seen within the gap of it.
    const since = new Date(Math.min(...updates.map((u) => u.firstAt.getTime())) - this.config.correlation.gapMs);
    const now = this.clock.now();
    const plan = (incidents: Incident[], matched: ReadonlyMap<string, MatchedEventRow>) => {
      const events = new Map<string, MatchedEvent>();
      for (const [key, e] of matched)
        events.set(key, {
          key,
          kind: e.kind,
          ...(e.zone ? { zone: e.zone } : {}),
          baseIncidentId: e.base_incident_id ?? undefined,
        });
      return sites.flatMap((siteId) =>
        foldMatches(
          siteId,
          incidents.filter((i) => i.siteId === siteId),
          updates.filter((u) => u.siteId === siteId),
          events,
          { gapMs: this.config.correlation.gapMs, now, newId: randomUUID },
        ),
      );
    };

    // Planned by index (db.ts, PlanChoice), as the lease's session is: the newest partition may
    // not have been analyzed yet.
    const written = await this.db.transaction(
      async (tx) => {
        if (!(await correlatorStore.advance(tx, from, to))) return null;
        if (updates.length === 0) return NOTHING_WRITTEN;
        // Rule incidents are written by the correlator alone (and by people, one at a time).
        const ruleIncidents = await correlatorStore.lockRuleIncidents(tx, ruleGroups, since);
        // Most matches open or grow a rule's incident; only one that escalates an incident folding
        // opened needs that incident, and so the fold's lock of its group (taken as the fold takes
        // them, in sorted order, before the row), so folding and correlating never wait on each other.
        const { matched, seen } = await reading;
        const preview = plan([...ruleIncidents, ...seen], matched);
        const escalating = preview
          .filter((c) => c.type !== 'opened' && !isRuleIncident(c.incident))
          .map((c) => c.incident);
        if (escalating.length === 0) return this.write(tx, preview, now, matched);
        await lockFoldGroups(
          tx,
          escalating.map((i) => foldLockKey(i.siteId, i.groupKey.split(':')[0])),
        );
        // Under those locks, read them again and plan again; only they may be escalated.
        const locked = await correlatorStore.incidents(
          tx,
          escalating.map((i) => i.id),
          { lock: true },
        );
        const lockedIds = new Set(locked.map((i) => i.id));
        const changes = plan([...ruleIncidents, ...locked, ...seen.filter((i) => !lockedIds.has(i.id))], matched);
        if (changes.some((c) => c.type !== 'opened' && !isRuleIncident(c.incident) && !lockedIds.has(c.incident.id))) {
          throw new Error('an incident to escalate changed before its lock was taken');
        }
        return this.write(tx, changes, now, matched);
      },
      { plans: 'indexed' },
    );
    if (written === null) return false;
    // Committed: this instance's sockets get the messages without a read back from the log.
    this.committedLive.committed(written.messages);
    this.observeLatency(written.changes, written.matched);
    for (const change of written.changes) {
      if (change.type === 'opened') this.metrics.incidentsOpened.inc({ kind: change.incident.kinds[0] ?? 'unknown' });
      if (change.type !== 'updated') {
        this.logger.log({
          msg: `${change.type === 'opened' ? 'Opened' : 'Escalated'} incident`,
          incidentId: change.incident.id,
          siteId: change.incident.siteId,
          rules: change.incident.ruleIds,
        });
      }
    }
    for (const u of updates) this.metrics.ruleMatches.inc({ rule: u.ruleId });
    return true;
  }

  /**
   * How late each committed change is: from the newest event of its matches reaching OreGuard
   * (the one that completed or extended a match) to now (oreguard_rule_incident_seconds).
   */
  private observeLatency(changes: readonly MatchChange[], matched: ReadonlyMap<string, MatchedEventRow>): void {
    const now = this.clock.now().getTime();
    for (const change of changes) {
      let newest = -Infinity;
      for (const id of change.matchedEventIds)
        newest = Math.max(newest, matched.get(String(id))?.received_at.getTime() ?? -Infinity);
      if (newest > -Infinity) this.metrics.ruleIncidentLatency.observe((now - newest) / 1000);
    }
  }

  /** The events the matches name, and the unresolved incidents folding put them in, read without locks. */
  private async readMatched(
    q: Queryable,
    updates: readonly MatchUpdate[],
  ): Promise<{ matched: Map<string, MatchedEventRow>; seen: Incident[] }> {
    const named = [...new Set(updates.flatMap((u) => u.newEventKeys))];
    if (named.length === 0) return { matched: new Map(), seen: [] };
    const since = receivedSince(updates, this.config.ingest.maxFutureMs);
    const matched = await correlatorStore.matchedEvents(q, named, since);
    const bases = [...matched.values()].flatMap((e) => (e.base_incident_id ? [e.base_incident_id] : []));
    return { matched, seen: await correlatorStore.incidents(q, [...new Set(bases)], { lock: false }) };
  }

  /** Writes the changes and their live messages; returns both, with the events the matches named. */
  private async write(
    tx: PoolClient,
    changes: MatchChange[],
    now: Date,
    matched: ReadonlyMap<string, MatchedEventRow>,
  ): Promise<Written> {
    return { changes, messages: await correlatorStore.apply(tx, changes, now, matched), matched };
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.idle.wake();
    await this.loop;
    await this.lease?.end().catch(() => undefined);
    this.lease = undefined;
  }
}
