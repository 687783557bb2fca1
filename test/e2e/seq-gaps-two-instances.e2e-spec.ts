import { aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import type { OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { startTwoInstances, type TwoInstances } from '../support/two-instances';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';
const GATEWAYS = ['gw-1', 'gw-2', 'gw-3'];
const PER_GATEWAY = 1000;
/**
 * Long enough that a busy machine's backlog (the two instances' slots drain at their own pace,
 * so one gateway's next seq may be stored seconds after a later one) never outlasts it.
 */
const GRACE_MS = 10_000;

/**
 * Seq gaps while two instances split the stream (shared subscription): one gateway's
 * consecutive seqs land in both instances' batches, and none of that is a gap. Then a real
 * hole is reported, exactly, once it has stayed open past the (short) grace window. A is api
 * and ingest; B also runs the worker, so B's gap check reports.
 */
describe('seq gaps with two instances sharing the stream', () => {
  let ctx: TestContext;
  let two: TwoInstances | undefined;
  let a: OreGuardProcess;
  let b: OreGuardProcess;
  let gateways: TestGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext('seq-gaps-two');
    two = await startTwoInstances(ctx, { SEQ_GAP_GRACE_MS: String(GRACE_MS), SEQ_GAP_CHECK_INTERVAL_MS: '250' });
    ({ a, b } = two);
    gateways = await Promise.all(GATEWAYS.map((gw) => TestGateway.connect(ctx.topicPrefix, SITE, gw, two!.broker.url)));
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await two?.stop();
    await ctx?.dispose();
  });

  const metric = async (instance: OreGuardProcess, name: string): Promise<number> => {
    const text = await (await fetch(`${instance.baseUrl}/api/v1/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm'))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
  const stored = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [SITE]))[0].n;
  const gaps = () =>
    ctx.db.query<{ gateway_id: string; from_seq: number; to_seq: number; reported: boolean; open_ms: number | null }>(
      `SELECT gateway_id, from_seq::int, to_seq::int, reported_at IS NOT NULL AS reported,
              (extract(epoch FROM reported_at - opened_at) * 1000)::int AS open_ms
         FROM gateway_seq_gaps WHERE site_id = $1 ORDER BY gateway_id, from_seq`,
      [SITE],
    );
  /** Publishes the seqs every gateway keeps, 100 messages at a time across gateways, so batches interleave. */
  const stream = async (seqs: number[], keeps: (gatewayId: string, seq: number) => boolean = () => true) => {
    const messages = seqs.flatMap((seq) =>
      gateways.filter((g) => keeps(g.gatewayId, seq)).map((gateway) => ({ gateway, seq })),
    );
    for (let i = 0; i < messages.length; i += 100) {
      await Promise.all(messages.slice(i, i + 100).map(({ gateway, seq }) => gateway.publish(aTheftEvent({ seq }))));
    }
  };

  it('sees no gap in an interleaved stream, then reports a real hole exactly, after the grace window', async () => {
    await stream(Array.from({ length: PER_GATEWAY }, (_, i) => i + 1));
    await waitFor(async () => (await stored()) >= GATEWAYS.length * PER_GATEWAY, {
      timeoutMs: 30_000,
      what: 'every event stored',
    });
    // Both instances stored some of each gateway's run, and with every seq stored no range is open.
    expect(await metric(a, 'oreguard_events_accepted_total')).toBeGreaterThan(0);
    expect(await metric(b, 'oreguard_events_accepted_total')).toBeGreaterThan(0);
    expect(await gaps()).toEqual([]);
    const lastSeqs = await ctx.db.query<{ id: string; last_seq: number }>(
      'SELECT id, last_seq::int FROM gateways WHERE site_id = $1 ORDER BY id',
      [SITE],
    );
    expect(lastSeqs).toEqual(GATEWAYS.map((id) => ({ id, last_seq: PER_GATEWAY })));

    // gw-1 loses 1201..1250 before the broker; the others lose nothing.
    const next = Array.from({ length: 500 }, (_, i) => PER_GATEWAY + 1 + i);
    await stream(next, (gatewayId, seq) => gatewayId !== 'gw-1' || seq <= 1200 || seq > 1250);
    const hole = await waitFor(
      async () => {
        if ((await stored()) < GATEWAYS.length * (PER_GATEWAY + 500) - 50) return undefined;
        return (await gaps()).find((g) => g.gateway_id === 'gw-1');
      },
      { timeoutMs: 30_000, what: 'the open range of gw-1' },
    );
    expect(hole).toMatchObject({ from_seq: 1201, to_seq: 1250 });
    // Reported once open past the grace window, and nothing else ever was.
    const reported = await waitFor(async () => ((await gaps()).every((g) => g.reported) ? gaps() : undefined), {
      timeoutMs: GRACE_MS + 10_000,
      what: 'the hole reported',
    });
    expect(reported).toEqual([
      { gateway_id: 'gw-1', from_seq: 1201, to_seq: 1250, reported: true, open_ms: expect.any(Number) },
    ]);
    expect(reported[0].open_ms).toBeGreaterThanOrEqual(GRACE_MS);
    expect(await metric(b, 'oreguard_gateway_seq_gaps_total')).toBe(1);
    expect(await metric(b, 'oreguard_gateway_seq_missing_total')).toBe(50);
    expect(await metric(a, 'oreguard_gateway_seq_gaps_total')).toBe(0);
    expect(b.output).toContain('Gateway gw-1 at kolwezi-1 lost seq 1201..1250');

    const token = await login(a.baseUrl);
    const res = await fetch(`${a.baseUrl}/api/v1/sites/${SITE}/gateways`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { items: { gatewayId: string; lastSeq: number; seqGaps: unknown }[] };
    expect(body.items.map((g) => ({ gatewayId: g.gatewayId, lastSeq: g.lastSeq, seqGaps: g.seqGaps }))).toEqual([
      {
        gatewayId: 'gw-1',
        lastSeq: 1500,
        seqGaps: expect.objectContaining({
          count: 1,
          missing: 50,
          recent: [expect.objectContaining({ fromSeq: 1201, toSeq: 1250 })],
        }),
      },
      { gatewayId: 'gw-2', lastSeq: 1500, seqGaps: expect.objectContaining({ count: 0, missing: 0, recent: [] }) },
      { gatewayId: 'gw-3', lastSeq: 1500, seqGaps: expect.objectContaining({ count: 0, missing: 0, recent: [] }) },
    ]);
  }, 90_000);
});
