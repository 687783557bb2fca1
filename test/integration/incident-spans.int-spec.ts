import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { incidentWrites } from '../../src/incidents/incident.repository';
import { anIncident } from '../factories/incidents';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * incident_spans (migration 1764810000000): the span of every incident, kept by triggers on
 * incidents whoever writes them, is what folding finds incidents by; and because incidents'
 * own indexes no longer hold last_seen_at, growing an incident is a HOT update.
 */
const SITE = 'kolwezi-1';
const GAP_MS = 10 * 60_000;

const NO_LINKS = { links: [], markFolded: [], timeline: [] };

describe('incident spans', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('incident-spans');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  const spanOf = async (id: string) =>
    (await ctx.db.query<{ first_seen_at: Date; last_seen_at: Date; group_key: string }>(
      'SELECT first_seen_at, last_seen_at, group_key FROM incident_spans WHERE incident_id = $1',
      [id],
    ))[0];

  it('follows every incident written, by a fold or by plain SQL', async () => {
    const at = new Date('2026-11-29T02:00:00.000Z');
    const folded = anIncident(at);
    await ctx.db.transaction((tx) => incidentWrites.applyFold(tx, { opened: [folded], updated: [], foldedAt: at, ...NO_LINKS }));
    expect(await spanOf(folded.id)).toEqual({ first_seen_at: at, last_seen_at: at, group_key: 'theft' });

    const later = new Date(at.getTime() + 5 * 60_000);
    const earlier = new Date(at.getTime() - 60_000);
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, {
        opened: [],
        updated: [{ ...folded, firstSeenAt: earlier, lastSeenAt: later, eventCount: 3 }],
        foldedAt: later,
        ...NO_LINKS,
      }),
    );
    expect(await spanOf(folded.id)).toEqual({ first_seen_at: earlier, last_seen_at: later, group_key: 'theft' });

    // Any other writer: the triggers keep the span all the same.
    await ctx.db.query(`UPDATE incidents SET last_seen_at = last_seen_at + interval '1 hour' WHERE id = $1`, [folded.id]);
    expect((await spanOf(folded.id)).last_seen_at).toEqual(new Date(later.getTime() + 3_600_000));
    const plain = randomUUID();
    await ctx.db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at)
       VALUES ($1, $2, 'cyber', 'Port scan', 'high', 3, 'open', '{cyber}', '{}', 1, $3, $3, $3, $3)`,
      [plain, SITE, at],
    );
    expect(await spanOf(plain)).toEqual({ first_seen_at: at, last_seen_at: at, group_key: 'cyber' });
  });

  it('finds the open incidents of a group within the gap, and only those', async () => {
    const at = new Date('2026-11-30T08:00:00.000Z');
    const near = anIncident(at, { groupKey: 'drone:uas-1', kinds: ['drone'] });
    const old = anIncident(new Date(at.getTime() - 3 * GAP_MS), { groupKey: 'drone:uas-2', kinds: ['drone'] });
    const resolved = anIncident(at, { groupKey: 'drone:uas-3', kinds: ['drone'], status: 'resolved', resolvedAt: at });
    const otherKind = anIncident(at, { groupKey: 'cyber', kinds: ['cyber'] });
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, { opened: [near, old, resolved, otherKind], updated: [], foldedAt: at, ...NO_LINKS }),
    );
    const found = await ctx.db.transaction((tx) =>
      incidentWrites.findActiveNear(tx, [`${SITE}/drone`], new Date(at.getTime() + 60_000), new Date(at.getTime() + 60_000), GAP_MS),
    );
    expect(found.map((i) => i.id)).toEqual([near.id]);
  });

  it('grows an incident with a HOT update: none of incidents indexes is written', async () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const incident = anIncident(at);
    await ctx.db.transaction((tx) => incidentWrites.applyFold(tx, { opened: [incident], updated: [], foldedAt: at, ...NO_LINKS }));
    // This backend's counts not yet reported (pg_stat_get_xact_*), before and after, within one
    // transaction (nothing is reported in the middle of one). A few updates of one row: every
    // version must still fit on its page.
    const hot = async (tx: PoolClient) =>
      (await tx.query<{ updated: string; hot: string }>(
        `SELECT pg_stat_get_xact_tuples_updated('incidents'::regclass) AS updated,
                pg_stat_get_xact_tuples_hot_updated('incidents'::regclass) AS hot`,
      )).rows[0];
    const counts = await ctx.db.transaction(async (tx) => {
      const before = await hot(tx);
      for (let n = 2; n <= 6; n++) {
        const seen = new Date(at.getTime() + n * 1000);
        await incidentWrites.applyFold(tx, {
          opened: [],
          updated: [{ ...incident, eventCount: n, lastSeenAt: seen, updatedAt: seen }],
          foldedAt: seen,
          ...NO_LINKS,
        });
      }
      const after = await hot(tx);
      return { updated: Number(after.updated) - Number(before.updated), hot: Number(after.hot) - Number(before.hot) };
    });
    expect(counts).toEqual({ updated: 5, hot: 5 });
  });
});
