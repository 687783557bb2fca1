import { Logger } from '@nestjs/common';
import { loadConfig } from '../../src/config/app-config';
import { Db } from '../../src/database/db';
import { CoverageRepository } from '../../src/health/coverage.repository';
import { HeartbeatCheckUseCase } from '../../src/health/heartbeat-check.use-case';
import { Clock } from '../../src/platform/clock';
import { Metrics } from '../../src/platform/metrics';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Two heartbeat checkers (two instances, each its own pool) at the same moment, over 40
 * gateways silent since 02:50 and one heard at 02:59: each silent gateway is taken offline
 * exactly once (one tamper event, one incident, one live message), the live stream stays
 * gap-free, and the zones they alone cover are blind from their first missed heartbeat.
 */
const SITE = 'kolwezi-1';
const NOW = new Date('2026-11-29T03:00:00Z');
const SILENT = 40;

class FixedClock extends Clock {
  now(): Date {
    return NOW;
  }
}

describe('heartbeat check with two runners at once', () => {
  let ctx: TestContext;
  const pools: Db[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ctx = await createTestContext('heartbeat-runners');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
    await ctx.db.query(
      `INSERT INTO gateways (site_id, id, state, state_at, last_heard_at)
       SELECT $1, 'gw-' || n, 'online', timestamptz '2026-11-29T02:50:00Z', timestamptz '2026-11-29T02:50:00Z'
         FROM generate_series(1, $2) AS n
       UNION ALL SELECT $1, 'gw-alive', 'online', timestamptz '2026-11-29T02:59:00Z', timestamptz '2026-11-29T02:59:00Z'`,
      [SITE, SILENT],
    );
    await ctx.db.query(
      `INSERT INTO sensors (site_id, id, gateway_id, state, state_at)
       SELECT $1, 'cam-' || n, 'gw-' || n, 'ok', timestamptz '2026-11-29T02:50:00Z' FROM generate_series(1, $2) AS n
       UNION ALL SELECT $1, 'cam-alive', 'gw-alive', 'ok', timestamptz '2026-11-29T02:59:00Z'`,
      [SITE, SILENT],
    );
    // zone-1 is covered by gw-1's camera alone; shared-zone also by the live gateway's camera.
    await ctx.db.query(
      `INSERT INTO sensor_zones (site_id, sensor_id, zone, source) VALUES
         ($1, 'cam-1', 'zone-1', 'learned'), ($1, 'cam-2', 'shared-zone', 'learned'), ($1, 'cam-alive', 'shared-zone', 'admin')`,
      [SITE],
    );
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await ctx?.dispose();
  });

  it('takes each silent gateway offline exactly once', async () => {
    const config = loadConfig(ctx.env({ GATEWAY_HEARTBEAT_INTERVAL_MS: '60000' }));
    const runner = () => {
      const db = new Db(ctx.databaseUrl, 4);
      pools.push(db);
      return new HeartbeatCheckUseCase(db, new FixedClock(), new Metrics(), config);
    };
    const [a, b] = await Promise.all([runner().execute(), runner().execute()]);
    expect(a + b).toBe(SILENT);

    const [counts] = await ctx.db.query<{
      offline: string;
      alive: string;
      events: string;
      incidents: string;
      messages: string;
      last_seq: string;
    }>(
      `SELECT (SELECT count(*) FROM gateways WHERE state = 'offline') AS offline,
              (SELECT state FROM gateways WHERE id = 'gw-alive') AS alive,
              (SELECT count(*) FROM events WHERE source = 'health') AS events,
              (SELECT count(*) FROM incidents WHERE 'sensor-health' = ANY(rule_ids) AND status = 'open') AS incidents,
              (SELECT count(*) FROM live_messages WHERE site_id = '${SITE}') AS messages,
              (SELECT last_seq FROM site_streams WHERE site_id = '${SITE}') AS last_seq`,
    );
    expect(counts).toEqual({
      offline: String(SILENT),
      alive: 'online',
      events: String(SILENT),
      incidents: String(SILENT),
      messages: String(SILENT),
      last_seq: String(SILENT),
    });

    // Blind from the first missed heartbeat (02:51), not before; the shared zone still seen.
    const coverage = new CoverageRepository(ctx.db);
    expect(await coverage.blindZones(SITE)).toEqual(['zone-1']);
    expect(await coverage.isZoneBlind(SITE, 'zone-1', new Date('2026-11-29T02:52:00Z'))).toBe(true);
    expect(await coverage.isZoneBlind(SITE, 'zone-1', new Date('2026-11-29T02:50:30Z'))).toBe(false);
    expect(await coverage.isZoneBlind(SITE, 'shared-zone')).toBe(false);

    // Checked again: nothing more to do.
    expect(await runner().execute()).toBe(0);
  });
});
