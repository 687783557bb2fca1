import { randomUUID } from 'node:crypto';
import { postureAt, type PostureEntry, type PostureFloor } from '../../src/domain/posture/posture-at';
import { POSTURE_LEVELS, type PostureLevel } from '../../src/domain/posture/posture-level';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The posture in force is decided twice: by postureAt in TypeScript (the API, the fold,
 * escalation's view of a site) and by posture_level_at in SQL (migration 1765040000000: the
 * trigger that records an incident's postureAtOpen, and escalation's due query). They must agree
 * at every instant, expiries and floor boundaries included.
 */
const SITE = 'kolwezi-1';
const OTHER = 'tarkwa-2';

/** A small deterministic generator, so a failure replays. */
function generator(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor(state / 65536) % n; // the high bits: an LCG's low bits cycle quickly
  };
}

describe('posture_level_at agrees with postureAt', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('posture-level-at');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1), ($2, $2)`, [SITE, OTHER]);
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  it('at every sampled instant of a generated history of entries, expiries and floors', async () => {
    const random = generator(20);
    const start = Date.parse('2026-03-01T00:00:00Z');
    const minute = 60_000;
    const level = (): PostureLevel => POSTURE_LEVELS[random(POSTURE_LEVELS.length)];

    // The site's entries: back to back, some expiring before the next one replaces them.
    const entries: PostureEntry[] = [];
    let t = start + random(60) * minute;
    for (let i = 0; i < 40; i++) {
      const next = t + (1 + random(120)) * minute;
      const l = level();
      const expiresAt = l === 'normal' ? null : new Date(t + (1 + random(180)) * minute);
      entries.push({
        id: randomUUID(),
        level: l,
        validFrom: new Date(t),
        validTo: i === 39 ? null : new Date(next),
        expiresAt,
      });
      t = next;
    }
    // Floors: the company's, a region's naming the site, and one of a region without it (it must not count).
    const floors: (PostureFloor & { siteIds: string[] | null })[] = [];
    for (const [scope, siteIds] of [
      ['company', null],
      ['copperbelt', [SITE, OTHER]],
      ['ashanti', [OTHER]],
    ] as const) {
      let f = start + random(240) * minute;
      for (let i = 0; i < 6; i++) {
        const next = f + (30 + random(600)) * minute;
        floors.push({
          id: randomUUID(),
          level: level(),
          region: scope === 'company' ? null : scope,
          siteIds: siteIds ? [...siteIds] : null,
          validFrom: new Date(f),
          validTo: i === 5 ? null : new Date(next),
          expiresAt: random(3) === 0 ? new Date(f + random(400) * minute) : null,
        });
        f = next;
      }
    }
    for (const e of entries) {
      await ctx.db.query(
        `INSERT INTO posture_changes (id, site_id, level, source, reason, set_by, valid_from, valid_to, expires_at)
         VALUES ($1, $2, $3, '{"scheme":"oreguard","value":"normal"}', 'generated', 'test', $4, $5, $6)`,
        [e.id, SITE, e.level, e.validFrom, e.validTo, e.expiresAt],
      );
    }
    // The unique index allows one floor in force per scope: insert each scope's closed floors, then its open one.
    for (const f of floors) {
      await ctx.db.query(
        `INSERT INTO posture_floors (id, scope, site_ids, level, source, reason, set_by, valid_from, valid_to, expires_at)
         VALUES ($1, $2, $3, $4, '{"scheme":"oreguard","value":"normal"}', 'generated', 'test', $5, $6, $7)`,
        [f.id, f.region ?? 'company', f.siteIds, f.level, f.validFrom, f.validTo, f.expiresAt],
      );
    }

    const mine = floors.filter((f) => f.siteIds === null || f.siteIds.includes(SITE));
    // Every boundary, a millisecond either side of it, and random instants between.
    const boundaries = [...entries, ...floors]
      .flatMap((i) => [i.validFrom, i.validTo, i.expiresAt])
      .filter((d): d is Date => d !== null);
    const instants = [
      ...boundaries.flatMap((d) => [d.getTime() - 1, d.getTime(), d.getTime() + 1]),
      ...Array.from({ length: 200 }, () => start + random(100 * 60) * minute + random(60_000)),
    ].map((ms) => new Date(ms));
    const { rows } = await ctx.db.pool.query<{ at: Date; level: PostureLevel }>(
      'SELECT at, posture_level_at($1, at) AS level FROM unnest($2::timestamptz[]) AS at',
      [SITE, instants],
    );
    const mismatches = rows.filter((r) => r.level !== postureAt(entries, mine, r.at).level);
    expect(mismatches).toEqual([]);
    // Not a history stuck at one level: the comparison covered every level.
    expect(new Set(rows.map((r) => r.level))).toEqual(new Set(POSTURE_LEVELS));
  });

  it('records the posture an incident opened under at its first event, whoever inserts it', async () => {
    const at = new Date('2026-06-01T12:00:00Z');
    await ctx.db.query('DELETE FROM posture_floors'); // the generated ones cover this site too
    await ctx.db.query(
      `INSERT INTO posture_changes (id, site_id, level, source, reason, set_by, valid_from, expires_at)
       VALUES ($1, $2, 'high', '{"scheme":"fpcon","value":"bravo"}', 'test', 'test', $3, $4)`,
      [randomUUID(), OTHER, new Date(at.getTime() - 60_000), new Date(at.getTime() + 60_000)],
    );
    const insert = (firstSeenAt: Date) =>
      ctx.db.query<{ posture_at_open: string }>(
        `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                                first_seen_at, last_seen_at, opened_at, updated_at)
         VALUES ($1, $2, 'theft', 'Theft activity', 'high', 3, 'open', '{theft}', '{}', 1, $3, $3, now(), now())
         RETURNING posture_at_open`,
        [randomUUID(), OTHER, firstSeenAt],
      );
    expect((await insert(at))[0].posture_at_open).toBe('high');
    expect((await insert(new Date(at.getTime() + 60_000)))[0].posture_at_open).toBe('normal');
  });
});
