import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { incidentWrites } from '../../src/incidents/incident.repository';
import { anIncident } from '../factories/incidents';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * incident_spans (migration 1764810000000): the span of every incident rounded out to the
 * minute, kept by triggers on incidents whoever writes them, is what folding finds incidents
 * by; because incidents' own indexes no longer hold last_seen_at, growing an incident is a HOT
 * update, and its span row changes at most once a minute.
 */
const SITE = 'kolwezi-1';
const NO_DRONES = { siteIds: [], uasIds: [], trackKeys: [] };
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
    (
      await ctx.db.query<{ seen_from: Date; seen_until: Date; group_key: string; xmin: string }>(
        'SELECT seen_from, seen_until, group_key, xmin::text FROM incident_spans WHERE incident_id = $1',
        [id],
      )
    )[0];
  const minute = (iso: string) => new Date(iso);

  it('follows every incident written, by a fold or by plain SQL, rounded out to the minute', async () => {
    const at = new Date('2026-11-29T02:00:30.250Z');
    const folded = anIncident(at);
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, { opened: [folded], updated: [], foldedAt: at, ...NO_LINKS }),
    );
    expect(await spanOf(folded.id)).toMatchObject({
      seen_from: minute('2026-11-29T02:00:00Z'),
      seen_until: minute('2026-11-29T02:01:00Z'),
      group_key: 'theft',
    });

    const later = new Date('2026-11-29T02:05:00.000Z');
    const earlier = new Date('2026-11-29T01:59:59.999Z');
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, {
        opened: [],
        updated: [{ ...folded, firstSeenAt: earlier, lastSeenAt: later, eventCount: 3 }],
        foldedAt: later,
        ...NO_LINKS,
      }),
    );
    // An event exactly on a minute still lies before seen_until.
    expect(await spanOf(folded.id)).toMatchObject({
      seen_from: minute('2026-11-29T01:59:00Z'),
      seen_until: minute('2026-11-29T02:06:00Z'),
    });

    // Any other writer: the triggers keep the span all the same.
    await ctx.db.query(`UPDATE incidents SET last_seen_at = last_seen_at + interval '1 hour' WHERE id = $1`, [
      folded.id,
    ]);
    expect((await spanOf(folded.id)).seen_until).toEqual(minute('2026-11-29T03:06:00Z'));
    const plain = randomUUID();
    await ctx.db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at)
       VALUES ($1, $2, 'cyber', 'Port scan', 'high', 3, 'open', '{cyber}', '{}', 1, $3, $3, $3, $3)`,
      [plain, SITE, at],
    );
    expect(await spanOf(plain)).toMatchObject({ seen_from: minute('2026-11-29T02:00:00Z'), group_key: 'cyber' });
  });

  it('leaves the span row alone while an incident grows within the same minute', async () => {
    const at = new Date('2026-11-29T04:00:01.000Z');
    const incident = anIncident(at);
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, { opened: [incident], updated: [], foldedAt: at, ...NO_LINKS }),
    );
    const written = (await spanOf(incident.id)).xmin;
    const grow = (lastSeenAt: Date) =>
      ctx.db.transaction((tx) =>
        incidentWrites.applyFold(tx, {
          opened: [],
          updated: [{ ...incident, lastSeenAt }],
          foldedAt: lastSeenAt,
          ...NO_LINKS,
        }),
      );
    await grow(new Date('2026-11-29T04:00:30.000Z'));
    await grow(new Date('2026-11-29T04:00:59.999Z'));
    expect((await spanOf(incident.id)).xmin).toBe(written);
    await grow(new Date('2026-11-29T04:01:00.000Z'));
    expect(await spanOf(incident.id)).toMatchObject({ seen_until: minute('2026-11-29T04:02:00Z') });
    expect((await spanOf(incident.id)).xmin).not.toBe(written);
  });

  it('finds the open incidents of a group within the gap, and only those', async () => {
    const at = new Date('2026-11-30T08:00:00.000Z');
    const near = anIncident(at, { groupKey: 'drone:uas-1', kinds: ['drone'] });
    const old = anIncident(new Date(at.getTime() - 3 * GAP_MS), { groupKey: 'drone:uas-2', kinds: ['drone'] });
    const resolved = anIncident(at, { groupKey: 'drone:uas-3', kinds: ['drone'], status: 'resolved', resolvedAt: at });
    const otherKind = anIncident(at, { groupKey: 'cyber', kinds: ['cyber'] });
    // Its span (to the minute, until 07:51) meets the window widened by the gap (from 07:51);
    // its last event (07:50:30) does not: the exact check on the incident row leaves it out.
    const justOutside = anIncident(new Date('2026-11-30T07:50:30.000Z'), { groupKey: 'drone:uas-4', kinds: ['drone'] });
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, {
        opened: [near, old, resolved, otherKind, justOutside],
        updated: [],
        foldedAt: at,
        ...NO_LINKS,
      }),
    );
    const found = await ctx.db.transaction((tx) =>
      incidentWrites.findFoldCandidates(
        tx,
        [`${SITE}/drone`],
        NO_DRONES,
        new Date(at.getTime() + 60_000),
        new Date(at.getTime() + 60_000),
        GAP_MS,
      ),
    );
    expect(found).toEqual({ active: [expect.objectContaining({ id: near.id })], named: [] });
  });

  it('finds, in the same statement, only the drone tracks that carry one of the identities', async () => {
    const at = new Date('2026-11-30T12:00:00.000Z');
    const track = (uasIds: string[], trackKeys: string[]) => ({
      uasIds,
      trackKeys,
      last: {
        lat: -10.7,
        lon: 25.5,
        at: at.toISOString(),
        detection: 'radar' as const,
        gatewayId: 'gw-1',
        sensorId: 'radar-1',
        eventId: 1,
      },
      remoteIdSeen: uasIds.length > 0,
    });
    const byUas = anIncident(at, { groupKey: 'drone:uas-a', kinds: ['drone'], track: track(['uas-a'], []) });
    const byTrack = anIncident(at, {
      groupKey: 'drone:gw-1/radar-1/t7',
      kinds: ['drone'],
      track: track([], ['gw-1/radar-1/t7']),
    });
    const unnamed = anIncident(at, { groupKey: 'drone:uas-b', kinds: ['drone'], track: track(['uas-b'], []) });
    const theft = anIncident(at, { groupKey: 'theft' });
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, {
        opened: [byUas, byTrack, unnamed, theft],
        updated: [],
        foldedAt: at,
        ...NO_LINKS,
      }),
    );
    const found = await ctx.db.transaction((tx) =>
      incidentWrites.findFoldCandidates(
        tx,
        [`${SITE}/theft`],
        { siteIds: [SITE], uasIds: ['uas-a'], trackKeys: ['gw-1/radar-1/t7'] },
        at,
        at,
        GAP_MS,
      ),
    );
    expect(found.active.map((i) => i.id)).toEqual([theft.id]);
    expect(found.named.map((i) => i.id).sort()).toEqual([byUas.id, byTrack.id].sort());
  });

  it('grows an incident with a HOT update: none of incidents indexes is written', async () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const incident = anIncident(at);
    await ctx.db.transaction((tx) =>
      incidentWrites.applyFold(tx, { opened: [incident], updated: [], foldedAt: at, ...NO_LINKS }),
    );
    // This backend's counts not yet reported (pg_stat_get_xact_*), before and after, within one
    // transaction (nothing is reported in the middle of one). A few updates of one row: every
    // version must still fit on its page.
    const hot = async (tx: PoolClient) =>
      (
        await tx.query<{ updated: string; hot: string }>(
          `SELECT pg_stat_get_xact_tuples_updated('incidents'::regclass) AS updated,
                pg_stat_get_xact_tuples_hot_updated('incidents'::regclass) AS hot`,
        )
      ).rows[0];
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
