import { aManifest, aPassage, aTicket } from '../../src/domain/material/fixtures/material-records';
import { aDroneEvent } from '../factories/events';
import { untilCorrelated } from '../support/correlated';
import { login } from '../support/live-client';
import type { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const minutes = (base: Date, m: number) => new Date(base.getTime() + m * 60_000);

/**
 * Material reconciliation end to end, against the real broker, PostgreSQL and Redis: a fleet
 * weighing within legal error raises nothing; a truck that leaves loaded without crossing the
 * scale, while a drone is over the haul road, raises a material_discrepancy theft event that
 * folds into an incident and correlates with the drone, once however often reconciliation runs.
 */
describe('material reconciliation', () => {
  const og = oreGuardForFile('material-reconciliation', {
    env: {
      MATERIAL_RECONCILE_INTERVAL_MS: '300',
      MATERIAL_SETTLE_MS: '0',
      EVENT_ALLOWED_LATENESS_MS: String(6 * 3_600_000),
    },
  });
  let scale: TestGateway;
  let gate: TestGateway;
  let sensors: TestGateway;
  const base = minutes(new Date(), -90);

  beforeAll(async () => {
    scale = await og.gateway('kolwezi-1', 'gw-scale');
    gate = await og.gateway('kolwezi-1', 'gw-gate');
    sensors = await og.gateway('kolwezi-1', 'gw-rf');
  });

  const stored = (count: number) =>
    waitFor(
      async () =>
        Number((await og.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM material_records'))[0]!.n) >= count,
      {
        what: `${count} material records stored`,
      },
    );
  const runs = async () =>
    Number(
      (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`).then((r) => r.text())).match(
        /^oreguard_material_reconcile_runs_total (\d+)/m,
      )?.[1] ?? 0,
    );
  /** Until reconciliation has run twice more from now: whatever it would raise from what is stored, it has. */
  const twoMoreRuns = async () => {
    const from = await runs();
    await waitFor(async () => (await runs()) >= from + 2, { what: 'two more reconciliation runs' });
  };
  const findings = () =>
    og.ctx.db.query<{ rule: string; plate: string; summary: string }>(
      'SELECT rule, plate, summary FROM material_findings ORDER BY key',
    );

  it('raises nothing for a fleet weighed within legal error, manifested and through the gates', async () => {
    for (const [i, plate] of ['TRK101', 'TRK102', 'TRK103', 'TRK104'].entries()) {
      const done = minutes(base, 10 * i + 40);
      const tareKg = 15_000 + 20 * i;
      const ticket = aTicket({
        plate,
        at: done,
        tareKg,
        grossKg: tareKg + 30_000 + (i % 2 === 0 ? 60 : -80),
        manifestId: `DSP-${plate}`,
      });
      await scale.publish(aManifest(`DSP-${plate}`, 30_000, minutes(done, -60), { plate }), 'material');
      await gate.publish(aPassage('in', minutes(done, -45), { plate }), 'material');
      await scale.publish(ticket, 'material');
      await gate.publish(aPassage('out', minutes(done, 5), { plate }), 'material');
    }
    await stored(16);
    await twoMoreRuns();
    expect(await findings()).toEqual([]);
  });

  it('raises one critical incident when a truck leaves loaded without a ticket while a drone watches the haul road', async () => {
    await gate.publish(aPassage('in', minutes(base, 5), { plate: 'XYZ999' }), 'material');
    await gate.publish(aPassage('out', minutes(base, 60), { plate: 'XYZ999', zone: 'main-gate' }), 'material');
    await sensors.publish(aDroneEvent({ occurredAt: minutes(base, 50).toISOString(), zone: 'haul-road' }));

    const [finding] = await waitFor(
      async () => {
        const rows = await findings();
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'a material finding' },
    );
    expect(finding).toMatchObject({ rule: 'exit-without-ticket', plate: 'XYZ999' });

    await untilCorrelated(og.ctx.db);
    const admin = await login(og.oreguard.baseUrl);
    const incidents = await waitFor(
      async () => {
        const { body } = await og.rest(admin, 'GET', '/incidents?siteId=kolwezi-1');
        const items = body.items as { ruleIds: string[]; severity: string; kinds: string[] }[];
        return items.some((i) => i.ruleIds.includes('material-discrepancy-under-drone')) ? items : undefined;
      },
      { what: 'the correlated incident' },
    );
    expect(incidents.find((i) => i.ruleIds.includes('material-discrepancy-under-drone'))).toMatchObject({
      severity: 'critical',
      kinds: ['drone', 'theft'],
    });

    const { body: events } = await og.rest(admin, 'GET', '/events?siteId=kolwezi-1&kind=theft');
    expect(events.items).toEqual([
      expect.objectContaining({
        source: 'reconciliation',
        zone: 'main-gate',
        occurredAt: minutes(base, 60).toISOString(),
        theft: expect.objectContaining({
          category: 'material_discrepancy',
          vehicleId: 'XYZ999',
          description: expect.stringContaining('no outbound ticket'),
        }),
      }),
    ]);
    expect(events.items[0].incidentIds.length).toBeGreaterThan(0);

    // Reconciliation keeps running: the finding and its event stay one.
    await twoMoreRuns();
    expect(await findings()).toHaveLength(1);
    expect(await og.ctx.db.query(`SELECT 1 FROM events WHERE source = 'reconciliation'`)).toHaveLength(1);
  });

  it('shows leads the records, paged, and the finding with its numbers; operators neither; a bad filter is a 400 naming it', async () => {
    const admin = await login(og.oreguard.baseUrl);
    const first = await og.rest(admin, 'GET', '/material/records?siteId=kolwezi-1&type=gate.passage&limit=5');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(5);
    expect(first.body.items[0]).toMatchObject({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-gate',
      type: 'gate.passage',
      record: { plate: 'TRK104', direction: 'out' },
    }); // newest record time first: the last fleet truck out at +75 min
    const second = await og.rest(
      admin,
      'GET',
      `/material/records?siteId=kolwezi-1&type=gate.passage&limit=5&cursor=${first.body.nextCursor}`,
    );
    const ids = [...first.body.items, ...second.body.items].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(10); // 8 fleet passages and the night truck's two
    expect(second.body.nextCursor).toBeNull();

    const findings = await og.rest(admin, 'GET', '/material/findings?siteId=kolwezi-1&rule=exit-without-ticket');
    expect(findings.body.items).toEqual([
      expect.objectContaining({
        rule: 'exit-without-ticket',
        plate: 'XYZ999',
        zone: 'main-gate',
        numbers: { windowMinutes: 120 },
        tolerance: expect.objectContaining({ kg: null }),
      }),
    ]);

    expect((await og.rest(admin, 'GET', '/material/records?type=weighing.slip')).body).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('type'),
    });
    expect(
      (
        await og.rest(admin, 'POST', '/users', {
          username: 'op-kolwezi',
          password: 'a-long-password',
          role: 'operator',
          siteIds: ['kolwezi-1'],
        })
      ).status,
    ).toBe(201);
    const operator = await login(og.oreguard.baseUrl, 'op-kolwezi', 'a-long-password');
    expect((await og.rest(operator, 'GET', '/material/records?siteId=kolwezi-1')).status).toBe(403);
    expect((await og.rest(operator, 'GET', '/material/findings')).status).toBe(403);

    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/material/records', '/material/findings']));
  });
});
