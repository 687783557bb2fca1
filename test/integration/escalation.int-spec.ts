import { Logger } from '@nestjs/common';
import { loadConfig } from '../../src/config/app-config';
import { Db } from '../../src/database/db';
import { EscalateIncidentsUseCase } from '../../src/escalation/escalate-incidents.use-case';
import { Clock } from '../../src/platform/clock';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Two escalation runners (two instances: each its own connection pool) checking the same
 * 300 overdue incidents at the same moment: every one escalates exactly once, with one
 * timeline entry and one live message, and each site's live stream stays gap-free.
 */
const SITES = ['kolwezi-1', 'tarkwa-2', 'mutanda-3'];
const PER_SITE = 100;
const NOW = new Date('2026-11-29T03:00:00Z');

class FixedClock extends Clock {
  now(): Date {
    return NOW;
  }
}

describe('escalation with two runners at once', () => {
  let ctx: TestContext;
  const pools: Db[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ctx = await createTestContext('escalation-runners');
    await ctx.db.query(`INSERT INTO sites (id, name) SELECT s, s FROM unnest($1::text[]) AS s`, [SITES]);
    const insert = (status: string, count: number, openedAt: string, extra = '') =>
      ctx.db.query(
        `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                                first_seen_at, last_seen_at, opened_at, updated_at, acknowledged_at, acknowledged_by, reopened_at)
         SELECT gen_random_uuid(), s, 'theft', 'Theft activity at ' || s || ' (' || $2 || ')', 'high', 3, $2, '{theft}',
                '{theft-activity}', 1, o, o, o, o, ${extra || 'NULL, NULL, NULL'}
           FROM unnest($1::text[]) AS s, generate_series(1, $3) AS n, LATERAL (SELECT $4::timestamptz AS o) AS t`,
        [SITES, status, count, openedAt],
      );
    // Due: open and high since 02:00, an hour past the 15-minute limit.
    await insert('open', PER_SITE, '2026-11-29T02:00:00Z');
    // Not due: acknowledged at 02:05; and reopened at 02:50 (its clock started again then).
    await insert('acknowledged', 5, '2026-11-29T02:00:00Z', `o + interval '5 minutes', 'amani', NULL`);
    await insert('open', 5, '2026-11-29T01:00:00Z', `NULL, NULL, timestamptz '2026-11-29T02:50:00Z'`);
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await ctx?.dispose();
  });

  it('escalates each overdue incident once, announces it once, and leaves the acknowledged and the reopened alone', async () => {
    const config = loadConfig(ctx.env({ ESCALATE_AFTER: 'high=15m,critical=5m' }));
    const runners = [0, 1].map(() => {
      const db = new Db(ctx.databaseUrl, 4);
      pools.push(db);
      return new EscalateIncidentsUseCase(db, new FixedClock(), config);
    });

    const counts = await Promise.all([
      runners[0].execute(),
      runners[1].execute(),
      runners[0].execute(),
      runners[1].execute(),
    ]);

    expect(counts.reduce((a, b) => a + b, 0)).toBe(SITES.length * PER_SITE);
    const incidents = await ctx.db.query<{ status: string; severity: string; escalated_at: Date | null; n: string }>(
      `SELECT i.status, i.severity, i.escalated_at, count(t.id) AS n
         FROM incidents i LEFT JOIN incident_timeline t ON t.incident_id = i.id AND t.action = 'escalated'
        GROUP BY i.id`,
    );
    const due = incidents.filter((i) => i.status === 'open' && i.severity === 'critical');
    expect(due).toHaveLength(SITES.length * PER_SITE);
    expect(due.every((i) => i.n === '1' && i.escalated_at?.getTime() === NOW.getTime())).toBe(true);
    const untouched = incidents.filter((i) => !due.includes(i));
    expect(untouched).toHaveLength(SITES.length * 10);
    expect(untouched.every((i) => i.severity === 'high' && i.n === '0' && i.escalated_at === null)).toBe(true);

    const [entry] = await ctx.db.query<{ actor: string; details: object }>(
      `SELECT actor, details FROM incident_timeline WHERE action = 'escalated' LIMIT 1`,
    );
    expect(entry).toEqual({
      actor: 'system',
      details: {
        from: 'high',
        to: 'critical',
        reason: 'not acknowledged within 15m, the limit for high',
        limitMs: 900_000,
      },
    });

    const live = await ctx.db.query<{ site_id: string; seqs: string[]; types: string[]; incidents: string }>(
      `SELECT site_id, array_agg(seq ORDER BY seq) AS seqs, array_agg(DISTINCT type) AS types,
              count(DISTINCT incident_id) AS incidents
         FROM live_messages GROUP BY site_id ORDER BY site_id`,
    );
    expect(live).toHaveLength(SITES.length);
    for (const site of live) {
      expect(site.seqs.map(Number)).toEqual(Array.from({ length: PER_SITE }, (_, i) => i + 1));
      expect(site.types).toEqual(['escalated']);
      expect(Number(site.incidents)).toBe(PER_SITE);
    }

    // Checked again at the same moment: critical's clock restarted at 03:00, nothing is due.
    expect(await runners[0].execute()).toBe(0);
  });
});
