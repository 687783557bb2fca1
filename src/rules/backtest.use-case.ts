import type { Db, Queryable } from 'src/database/db';
import { correlatorStore } from 'src/correlation/correlator.repository';
import { collectMatches, contextFromOutages, type RuleSet } from 'src/domain/correlation';
import { siteEventFromRow, SITE_EVENT_COLUMNS, type SiteEventRow } from 'src/events/site-event-row';
import { levelAt, type SitePostureHistory } from 'src/domain/posture/posture-at';
import { PostureEngines, type PostureMatchUpdate } from 'src/domain/posture/posture-engines';
import { defaultPostureProfiles, type PostureProfiles } from 'src/domain/posture/posture-profile';
import { postureReads, toPostureEntry, toPostureFloor } from 'src/posture/posture.repository';

export interface BacktestRequest {
  siteId: string;
  from: Date;
  to: Date;
  /** The posture profiles events are judged under (default: the built-in ones). */
  profiles?: PostureProfiles;
}

export class UnknownSiteError extends Error {}

/** Events read per query: keeps memory flat however long the window. */
const PAGE_SIZE = 5000;
/** A would-be incident names at most this many of its events (eventCount is exact). */
const EVENT_KEYS_SHOWN = 50;

/**
 * Replays a site's stored events through a candidate rule set and sets the incidents it would
 * open beside those that exist. Everything runs in one READ ONLY transaction, so a backtest
 * cannot write live data, and sees one consistent snapshot of events and incidents.
 */
export function runBacktest(db: Db, rules: RuleSet, request: BacktestRequest, pageSize = PAGE_SIZE) {
  return db.transaction((tx) => backtestIn(tx, rules, request, pageSize), { readOnly: true });
}

export type BacktestResult = Awaited<ReturnType<typeof backtestIn>>;

async function backtestIn(
  q: Queryable,
  rules: RuleSet,
  { siteId, from, to, profiles = defaultPostureProfiles() }: BacktestRequest,
  pageSize: number,
) {
  const site = await q.query(`SELECT 1 FROM sites WHERE id = $1`, [siteId]);
  if (site.rowCount === 0) throw new UnknownSiteError(`Unknown site ${siteId}`);

  // Each event is judged by the rules as the posture in force at its own time tightens them
  // (src/domain/posture/posture-engines.ts), as live correlation judges it, so the same window
  // backtests the same way tomorrow. A window that spans a posture change is counted
  // separately on either side of it.
  const posture = await postureHistory(q, siteId);
  // A match ending at `from` may start this far earlier: read that much history first.
  const reachMs = new PostureEngines(rules, profiles, { allowedLatenessMs: 0 }).stateSpanMs;
  const start = new Date(from.getTime() - reachMs);
  // Batch replay: every stored event counts, whatever order it arrived in; a zone was blind
  // when the site's health history says it was.
  const context = contextFromOutages(await correlatorStore.outages(q, [siteId], start, to));
  const engines = new PostureEngines(rules, profiles, { allowedLatenessMs: Infinity, context });
  const updates: PostureMatchUpdate[] = [];

  let eventsReplayed = 0;
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const page: { rows: SiteEventRow[] } = await q.query<SiteEventRow>(
      `SELECT ${SITE_EVENT_COLUMNS} FROM events e
        WHERE e.site_id = $1 AND e.occurred_at >= $2 AND e.occurred_at <= $3
          AND ($4::timestamptz IS NULL OR (e.occurred_at, e.id) > ($4, $5::bigint))
        ORDER BY e.occurred_at, e.id LIMIT $6`,
      [siteId, start, to, after?.at ?? null, after?.id ?? null, pageSize],
    );
    for (const row of page.rows) {
      const event = siteEventFromRow(row);
      updates.push(...engines.push(event, levelAt(posture, event.occurredAt)).updates);
    }
    eventsReplayed += page.rows.length;
    if (page.rows.length < pageSize) break;
    const last = page.rows[page.rows.length - 1];
    after = { at: last.occurred_at, id: String(last.id) };
  }
  updates.push(...engines.finish());
  const matches = engines.levels.flatMap((level) =>
    collectMatches(updates.filter((u) => u.posture === level)).map((m) => ({ ...m, posture: level })),
  );

  const wouldOpen = matches
    .filter((m) => m.lastAt >= from && m.firstAt <= to)
    .map((m) => ({
      ruleId: m.ruleId,
      title: m.title,
      severity: m.severity,
      group: m.group,
      firstAt: m.firstAt.toISOString(),
      lastAt: m.lastAt.toISOString(),
      eventCount: m.eventKeys.length,
      eventKeys: m.eventKeys.slice(0, EVENT_KEYS_SHOWN),
      reason: m.reason,
      ...(m.posture !== 'normal' ? { posture: m.posture } : {}),
    }));

  const incidents = await q.query<{
    id: string;
    title: string;
    severity: string;
    status: string;
    rule_ids: string[];
    event_count: number;
    first_seen_at: Date;
    last_seen_at: Date;
  }>(
    `SELECT id, title, severity, status, rule_ids, event_count, first_seen_at, last_seen_at FROM incidents
      WHERE site_id = $1 AND last_seen_at >= $2 AND first_seen_at <= $3
      ORDER BY first_seen_at, id`,
    [siteId, from, to],
  );
  const existing = incidents.rows.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    ruleIds: r.rule_ids,
    eventCount: r.event_count,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  }));

  const reported = rules.rules.filter((r) => r.standalone).map((r) => r.id);
  const byRule: Record<string, { wouldOpen: number; existing: number }> = {};
  const count = (ruleId: string, field: 'wouldOpen' | 'existing') => {
    byRule[ruleId] ??= { wouldOpen: 0, existing: 0 };
    byRule[ruleId][field]++;
  };
  for (const id of reported) byRule[id] ??= { wouldOpen: 0, existing: 0 };
  for (const m of wouldOpen) count(m.ruleId, 'wouldOpen');
  for (const i of existing) for (const ruleId of i.ruleIds) count(ruleId, 'existing');

  return {
    siteId,
    from: from.toISOString(),
    to: to.toISOString(),
    eventsReplayed,
    rules: rules.rules.map((r) => r.id),
    wouldOpen,
    existing,
    byRule,
  };
}

/** The site's posture history for the replay; undefined for a site never raised and under no floor. */
async function postureHistory(q: Queryable, siteId: string): Promise<SitePostureHistory | undefined> {
  const [entries, floors] = [await postureReads.history(q, siteId), await postureReads.floorsOver(q, siteId)];
  if (entries.length === 0 && floors.length === 0) return undefined;
  return { entries: entries.map(toPostureEntry), floors: floors.map(toPostureFloor) };
}
