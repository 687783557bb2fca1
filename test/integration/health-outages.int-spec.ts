import { Client } from 'pg';
import { correlatorStore, toHealthChange, type HealthChangeRow } from '../../src/correlation/correlator.repository';
import type { SensorOutage } from '../../src/domain/correlation/blind-zones';
import { seededRandom } from '../../src/domain/correlation/fixtures/recorded-night';
import { outagesFromHealth } from '../../src/domain/correlation/outages';
import type { HealthState, HealthSubject, HealthTransition } from '../../src/domain/health/gateway-health';
import { blindZones } from '../../src/domain/health/blind-zones';
import { CoverageRepository } from '../../src/health/coverage.repository';
import { applyHealthTransitions } from '../../src/health/health-changes';
import { HealthLastChange1765210000000 } from '../../src/database/migrations/1765210000000-health-last-change';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The outages live correlation reads for zone-blind rules (correlatorStore.outages) answer from
 * each subject's newest change, kept on its row, and read the history only for subjects that
 * changed since the span began. They must be what the whole history says: checked here against
 * that reading (every change of the sites in the span, and each subject's last one before it),
 * over random histories written by the health writer itself, and windows before, among and
 * after their changes.
 */
const SITES = ['kolwezi-1', 'likasi-2'];
const GATEWAYS: Record<string, string[]> = { 'kolwezi-1': ['gw-1', 'gw-2'], 'likasi-2': ['gw-3'] };
const SENSORS: Record<string, { id: string; gatewayId: string; zones: string[] }[]> = {
  'kolwezi-1': [
    { id: 'cam-1', gatewayId: 'gw-1', zones: ['pit', 'crusher'] },
    { id: 'cam-2', gatewayId: 'gw-1', zones: ['pit'] },
    { id: 'rf-1', gatewayId: 'gw-2', zones: ['tailings'] },
  ],
  'likasi-2': [{ id: 'cam-3', gatewayId: 'gw-3', zones: ['yard'] }],
};
const DAY_MS = 86_400_000;

/** The reading from the whole history, as correlation did before the newest change was kept on the rows. */
const FROM_WHOLE_HISTORY = `SELECT site_id, subject_type, subject_id, gateway_id, state, at, id FROM sensor_health_changes
    WHERE site_id = ANY($1) AND at >= $2 AND at <= $3
   UNION ALL
   (SELECT DISTINCT ON (site_id, subject_type, subject_id) site_id, subject_type, subject_id, gateway_id, state, at, id
      FROM sensor_health_changes
     WHERE site_id = ANY($1) AND at < $2
     ORDER BY site_id, subject_type, subject_id, at DESC, id DESC)
   ORDER BY at, id`;

describe('the outages correlation reads', () => {
  let ctx: TestContext;
  let client: Client;
  const start = Date.now() - 90 * DAY_MS;
  const times: number[] = [];

  const outagesFromWholeHistory = async (from: Date, to: Date): Promise<SensorOutage[]> => {
    const { rows } = await client.query<HealthChangeRow>(FROM_WHOLE_HISTORY, [SITES, from, to]);
    return SITES.flatMap((siteId) =>
      outagesFromHealth(
        siteId,
        rows.filter((r) => r.site_id === siteId).map(toHealthChange),
        SENSORS[siteId].map((s) => ({ sensorId: s.id, gatewayId: s.gatewayId, zones: s.zones })),
      ),
    );
  };
  const sorted = (outages: SensorOutage[]) =>
    outages
      .map((o) => `${o.siteId} ${o.zone} ${o.sensorId} ${o.from.toISOString()} ${o.to?.toISOString() ?? 'open'}`)
      .sort();

  beforeAll(async () => {
    ctx = await createTestContext('health-outages');
    client = new Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    for (const site of SITES) {
      await client.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [site]);
      for (const gw of GATEWAYS[site])
        await client.query(`INSERT INTO gateways (site_id, id) VALUES ($1, $2)`, [site, gw]);
      for (const s of SENSORS[site]) {
        await client.query(`INSERT INTO sensors (site_id, id, gateway_id) VALUES ($1, $2, $3)`, [
          site,
          s.id,
          s.gatewayId,
        ]);
        for (const zone of s.zones) {
          await client.query(
            `INSERT INTO sensor_zones (site_id, sensor_id, zone, source) VALUES ($1, $2, $3, 'admin')`,
            [site, s.id, zone],
          );
        }
      }
    }

    // Ninety days of changes, written as the health checks write them: one subject at a time,
    // sometimes several changes of a gateway's subjects at once, some at the same instant.
    const next = seededRandom(19);
    const state = new Map<string, HealthState>();
    let at = start;
    let site = SITES[0];
    let gatewayId = GATEWAYS[site][0];
    for (let round = 0; round < 120; round++) {
      // A third of the time the same gateway again, at the same instant: ties the rows must settle as the history does.
      if (round === 0 || next() >= 0.3) {
        site = SITES[Math.floor(next() * SITES.length)];
        gatewayId = GATEWAYS[site][Math.floor(next() * GATEWAYS[site].length)];
        if (next() > 0.2) at += Math.floor(next() * 2 * DAY_MS);
      }
      const subjects: HealthSubject[] = [
        { type: 'gateway', id: gatewayId },
        ...SENSORS[site].filter((s) => s.gatewayId === gatewayId).map((s) => ({ type: 'sensor' as const, id: s.id })),
      ];
      times.push(at);
      const transitions: HealthTransition[] = [];
      for (const subject of subjects) {
        if (next() < 0.5) continue;
        const key = `${site}/${subject.type}/${subject.id}`;
        const choices: HealthState[] = subject.type === 'gateway' ? ['ok', 'offline'] : ['ok', 'fault', 'offline'];
        const to = choices[Math.floor(next() * choices.length)];
        transitions.push({ subject, from: state.get(key) ?? null, to, at: new Date(at), reason: 'test' });
        state.set(key, to);
      }
      if (transitions.length > 0) await write(site, gatewayId, transitions);
    }
    // And ties for certain: a change, then two more at the same instant in one write; the last
    // written is the newest, as the history orders them (by time, then as recorded).
    at += DAY_MS;
    times.push(at);
    const cam3 = (to: HealthState): HealthTransition => ({
      subject: { type: 'sensor', id: 'cam-3' },
      from: null,
      to,
      at: new Date(at),
      reason: 'test',
    });
    await write('likasi-2', 'gw-3', [cam3('fault')]);
    await write('likasi-2', 'gw-3', [cam3('offline'), cam3('ok')]);
  });

  /** Changes written by the health writer, in one transaction, as a status report's are. */
  const write = async (site: string, gatewayId: string, transitions: HealthTransition[]) => {
    await client.query('BEGIN');
    await applyHealthTransitions(client, site, gatewayId, transitions, {
      severity: 'high',
      topicPrefix: 'oreguard/test',
      now: new Date(),
      raw: '{}',
      live: [],
    });
    await client.query('COMMIT');
  };

  afterAll(async () => {
    await client?.end();
    await ctx?.dispose();
  });

  /** Whether every subject's row holds its newest change in the history (and only those rows hold one). */
  const rowsHoldTheNewest = async (): Promise<boolean> => {
    const { rows } = await client.query<{ ok: boolean }>(
      `WITH newest AS (
         SELECT DISTINCT ON (site_id, subject_type, subject_id) site_id, subject_type, subject_id, at, state
           FROM sensor_health_changes ORDER BY site_id, subject_type, subject_id, at DESC, id DESC),
       kept AS (
         SELECT site_id, 'sensor' AS subject_type, id AS subject_id, health_changed_at AS at, health_changed_to AS state
           FROM sensors WHERE health_changed_at IS NOT NULL
         UNION ALL
         SELECT site_id, 'gateway', id, health_changed_at, health_changed_to FROM gateways WHERE health_changed_at IS NOT NULL)
       SELECT NOT EXISTS (SELECT * FROM newest EXCEPT SELECT * FROM kept)
          AND NOT EXISTS (SELECT * FROM kept EXCEPT SELECT * FROM newest) AS ok`,
    );
    return rows[0].ok;
  };

  it('keeps each subject’s newest change on its row', async () => {
    expect(await rowsHoldTheNewest()).toBe(true);
    const { rows: kept } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT site_id, subject_type, subject_id FROM sensor_health_changes) s`,
    );
    expect(kept[0].n).toBeGreaterThan(4);
  });

  it('answers every window as the whole history does', async () => {
    const next = seededRandom(7);
    const windows: [number, number][] = [
      [start - DAY_MS, start - 1], // before any change
      [start - DAY_MS, Date.now()], // everything
      [Date.now(), Date.now() + 60_000], // after the last
    ];
    for (const t of times) windows.push([t, t], [t - 1, t + 1], [t + 1, t + DAY_MS]);
    for (let i = 0; i < 60; i++) {
      const a = start + Math.floor(next() * 95 * DAY_MS);
      windows.push([a, a + Math.floor(next() * 10 * DAY_MS)]);
    }
    let withOutages = 0;
    for (const [from, to] of windows) {
      const expected = sorted(await outagesFromWholeHistory(new Date(from), new Date(to)));
      const actual = sorted(await correlatorStore.outages(client, SITES, new Date(from), new Date(to)));
      expect({ from: new Date(from), to: new Date(to), outages: actual }).toEqual({
        from: new Date(from),
        to: new Date(to),
        outages: expected,
      });
      if (expected.length > 0) withOutages++;
    }
    // The comparison had outages to compare, not only empty answers.
    expect(withOutages).toBeGreaterThan(windows.length / 2);
  });

  it("answers a site's blind zones at any time as the whole history does (GET /sites/{id}/blind-zones?at=)", async () => {
    const coverage = new CoverageRepository(undefined as never);
    const stateAt = async (siteId: string, type: 'sensor' | 'gateway', id: string, at: Date) =>
      (
        await client.query<{ state: HealthState }>(
          `SELECT state FROM sensor_health_changes WHERE site_id = $1 AND subject_type = $2 AND subject_id = $3 AND at <= $4
            ORDER BY at DESC, id DESC LIMIT 1`,
          [siteId, type, id, at],
        )
      ).rows[0]?.state;
    let blind = 0;
    const instants = [start - DAY_MS, ...times.flatMap((t) => [t - 1, t, t + 1]), Date.now()];
    for (const siteId of SITES) {
      for (const t of instants) {
        const at = new Date(t);
        const zones = new Map<string, { sensorId: string; gatewayId: string }[]>();
        const sensors = new Map<string, HealthState>();
        const gateways = new Map<string, HealthState>();
        for (const s of SENSORS[siteId]) {
          for (const zone of s.zones)
            zones.set(zone, [...(zones.get(zone) ?? []), { sensorId: s.id, gatewayId: s.gatewayId }]);
          const sensorState = await stateAt(siteId, 'sensor', s.id, at);
          const gatewayState = await stateAt(siteId, 'gateway', s.gatewayId, at);
          if (sensorState) sensors.set(s.id, sensorState);
          if (gatewayState) gateways.set(s.gatewayId, gatewayState);
        }
        const expected = blindZones(zones, { sensor: (id) => sensors.get(id), gateway: (id) => gateways.get(id) });
        const actual = await coverage.blindZones(siteId, at, undefined, client);
        expect({ siteId, at, zones: [...actual].sort() }).toEqual({ siteId, at, zones: [...expected].sort() });
        if (expected.length > 0) blind++;
      }
    }
    expect(blind).toBeGreaterThan(instants.length / 2);
  });

  it('fills the rows from a history that was there before them (the migration, on an existing database)', async () => {
    const migration = new HealthLastChange1765210000000();
    const runner = { query: (sql: string) => client.query(sql) } as never;
    await migration.down(runner);
    await migration.up(runner);
    expect(await rowsHoldTheNewest()).toBe(true);
  });
});
