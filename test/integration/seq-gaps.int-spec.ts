import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../../src/config/app-config';
import { Db } from '../../src/database/db';
import { SeqGapCheckUseCase } from '../../src/health/seq-gap-check.use-case';
import { RegistryCache, storeBatch, type StoreOutcome, type StoreRequest } from '../../src/ingestion/ingest-store';
import type { SiteEvent } from '../../src/domain/events/site-event';
import { Clock } from '../../src/platform/clock';
import { Metrics } from '../../src/platform/metrics';
import { createTestContext, type TestContext } from '../support/test-context';

const GRACE_MS = 120_000;

class ShiftedClock extends Clock {
  constructor(private readonly shiftMs: number) {
    super();
  }
  now(): Date {
    return new Date(Date.now() + this.shiftMs);
  }
}

/**
 * The ranges of a gateway's seq never stored, as the ingest store keeps them (opened past the
 * highest, filled by late arrivals, whatever batch or instance stores them) and as the gap
 * check reports them once open past the grace window.
 */
describe('gateway seq gaps', () => {
  let ctx: TestContext;
  const pools: Db[] = [];
  const registry = new RegistryCache();
  const SITE = 'kolwezi-1';
  const config = () => loadConfig({ SEQ_GAP_GRACE_MS: String(GRACE_MS) });

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ctx = await createTestContext('seq-gaps');
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await ctx?.dispose();
  });

  function event(gatewayId: string, seq: number, eventId = randomUUID()): StoreRequest {
    const e: SiteEvent = {
      siteId: SITE,
      gatewayId,
      eventId,
      sensorId: 'fence-1',
      kind: 'theft',
      occurredAt: new Date(),
      source: 'canonical',
      seq,
      theft: { category: 'perimeter_breach' },
    } as SiteEvent;
    return {
      type: 'event',
      event: e,
      topic: `t/sites/${SITE}/gateways/${gatewayId}/events`,
      raw: JSON.stringify({ eventId, seq }),
      receivedAt: new Date(),
      late: false,
    };
  }
  const run = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const events = (gatewayId: string, seqs: number[]) => seqs.map((seq) => event(gatewayId, seq));

  const storeWith = (db: Db, cache: RegistryCache, requests: StoreRequest[], inline = false) =>
    db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(
        tx,
        requests,
        cache,
        undefined,
        inline ? { foldedAt: new Date(), lockKeys: [] } : undefined,
      );
      cache.commit();
      return outcomes;
    });
  const store = (requests: StoreRequest[], inline = false) => storeWith(ctx.db, registry, requests, inline);

  const kind = (o: StoreOutcome) => (o.type === 'stored' ? (o.recovered ? 'recovered' : 'stored') : o.type);
  const ranges = async (gatewayId: string) =>
    (
      await ctx.db.query<{ from_seq: string; to_seq: string; reported: boolean; epoch: number }>(
        `SELECT from_seq, to_seq, reported_at IS NOT NULL AS reported, epoch FROM gateway_seq_gaps
        WHERE site_id = $1 AND gateway_id = $2 ORDER BY epoch, from_seq`,
        [SITE, gatewayId],
      )
    ).map((r) => [
      Number(r.from_seq),
      Number(r.to_seq),
      ...(r.reported ? ['reported'] : []),
      ...(r.epoch > 0 ? [`epoch ${r.epoch}`] : []),
    ]);
  const openedAt = async (gatewayId: string) =>
    (
      await ctx.db.query<{ opened_at: Date }>(
        'SELECT opened_at FROM gateway_seq_gaps WHERE site_id = $1 AND gateway_id = $2 ORDER BY from_seq',
        [SITE, gatewayId],
      )
    ).map((r) => r.opened_at.toISOString());
  const lastSeq = async (gatewayId: string) =>
    Number(
      (
        await ctx.db.query<{ last_seq: string }>('SELECT last_seq FROM gateways WHERE site_id = $1 AND id = $2', [
          SITE,
          gatewayId,
        ])
      )[0].last_seq,
    );
  /** The gap check as a worker would run it, its clock shifted from now. */
  const check = (shiftMs: number, metrics = new Metrics()) =>
    new SeqGapCheckUseCase(ctx.db, new ShiftedClock(shiftMs), metrics, config()).execute();
  const counter = async (metrics: Metrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;

  it.each([false, true])(
    'opens a range for a jump past the highest seq, whatever the order within a batch (folded inline: %s)',
    async (inline) => {
      const gw = `gw-${inline ? 'inline' : 'plain'}`;
      const other = `${gw}-b`;
      // A gateway's first seq is no gap; 1, 2, 5, 3 leave only 4 unstored.
      const first = [event(gw, 1), event(gw, 2), event(gw, 5), event(gw, 3), event(other, 10)];
      expect((await store(first, inline)).map(kind)).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
      expect(await ranges(gw)).toEqual([[4, 4]]);
      expect(await lastSeq(gw)).toBe(5);

      // The next batch goes on from the highest seq seen (5): 9 leaves out 6..8. A redelivered
      // event is a duplicate and changes nothing; the other gateway goes on from 10.
      expect((await store([first[2], event(gw, 9), event(other, 11)], inline)).map(kind)).toEqual([
        'duplicate',
        'stored',
        'stored',
      ]);
      expect(await ranges(gw)).toEqual([
        [4, 4],
        [6, 8],
      ]);
      expect(await ranges(other)).toEqual([]);
      expect(await lastSeq(gw)).toBe(9);
      expect(await lastSeq(other)).toBe(11);
    },
  );

  it("sees no gap when one gateway's seqs are split between two instances' concurrent batches", async () => {
    // Two instances: each its own pool and registry, both seeing a gateway new to them. The
    // gateway's seqs 1..2000, in order, go in runs of 1 to 30 to one instance or the other
    // (as a shared subscription hands them out); each stores what it got in batches of up to
    // 50, both at once.
    const instances = [0, 1].map(() => {
      const db = new Db(ctx.databaseUrl, 2);
      pools.push(db);
      return { db, cache: new RegistryCache(), seqs: [] as number[], batches: [] as StoreRequest[][] };
    });
    for (let seq = 1; seq <= 2000;) {
      const length = 1 + Math.floor(Math.random() * 30);
      instances[Math.floor(Math.random() * 2)].seqs.push(...run(seq, Math.min(seq + length - 1, 2000)));
      seq += length;
    }
    for (const instance of instances) {
      for (let i = 0; i < instance.seqs.length; i += 50)
        instance.batches.push(events('gw-split', instance.seqs.slice(i, i + 50)));
    }
    for (const other of ['gw-split-2', 'gw-split-3']) {
      instances[0].batches.push(
        events(
          other,
          run(1, 300).filter((s) => s % 2 === 1),
        ),
      );
      instances[1].batches.push(
        events(
          other,
          run(1, 300).filter((s) => s % 2 === 0),
        ),
      );
    }
    await Promise.all(
      instances.map(async ({ db, cache, batches }) => {
        for (const batch of batches) await storeWith(db, cache, batch);
      }),
    );
    for (const gw of ['gw-split', 'gw-split-2', 'gw-split-3']) expect(await ranges(gw)).toEqual([]);
    expect(await lastSeq('gw-split')).toBe(2000);
    expect(await lastSeq('gw-split-2')).toBe(300);
  });

  it('reports a real hole exactly, once, and only after the grace window', async () => {
    await check(GRACE_MS * 10); // what earlier tests left open, out of the way
    await store(events('gw-hole', [...run(1, 10), ...run(16, 20)]));
    expect(await ranges('gw-hole')).toEqual([[11, 15]]);

    // Within the grace window: pending, not reported.
    const metrics = new Metrics();
    expect(await check(GRACE_MS - 10_000, metrics)).toBe(0);
    expect(await ranges('gw-hole')).toEqual([[11, 15]]);

    // Past it: reported once, counted once.
    expect(await check(GRACE_MS + 10_000, metrics)).toBe(1);
    expect(await ranges('gw-hole')).toEqual([[11, 15, 'reported']]);
    expect(await counter(metrics, 'oreguard_gateway_seq_gaps_total')).toBe(1);
    expect(await counter(metrics, 'oreguard_gateway_seq_missing_total')).toBe(5);
    const reported = await ctx.db.query<{ gap: number }>(
      `SELECT (extract(epoch FROM reported_at - opened_at) * 1000)::int AS gap FROM gateway_seq_gaps WHERE gateway_id = 'gw-hole'`,
    );
    expect(reported[0].gap).toBeGreaterThanOrEqual(GRACE_MS);
    expect(await check(GRACE_MS + 20_000, metrics)).toBe(0);
    expect(await counter(metrics, 'oreguard_gateway_seq_missing_total')).toBe(5);

    // An event thought lost arrives after all: it fills its number, flagged as recovered.
    expect((await store(events('gw-hole', [13, 21]))).map(kind)).toEqual(['recovered', 'stored']);
    expect(await ranges('gw-hole')).toEqual([
      [11, 12, 'reported'],
      [14, 15, 'reported'],
    ]);
  });

  it('reports a range once, whether the check or an ingest batch filling it locks it first', async () => {
    await check(GRACE_MS * 10); // what earlier tests left open, out of the way
    await store(events('gw-race', [...run(1, 10), 21]));
    expect(await ranges('gw-race')).toEqual([[11, 20]]);

    // An ingest batch fills 15 and, before it commits, the check runs: it skips the range the
    // batch holds and cannot see the pieces yet. Once committed, the pieces are reported.
    const metrics = new Metrics();
    await ctx.db.transaction(async (tx) => {
      await storeBatch(tx, events('gw-race', [15]), registry);
      registry.commit();
      expect(await check(GRACE_MS + 10_000, metrics)).toBe(0);
    });
    expect(await ranges('gw-race')).toEqual([
      [11, 14],
      [16, 20],
    ]);
    expect(await check(GRACE_MS + 10_000, metrics)).toBe(2);
    expect(await counter(metrics, 'oreguard_gateway_seq_missing_total')).toBe(9);

    // The other way: the check holds 11..14 (reporting it again, as if just reported), and an
    // ingest batch filling 12 waits for it, then keeps "reported" on the pieces it leaves:
    // they are not reported twice, and 12 counts as recovered.
    await ctx.db.query(`UPDATE gateway_seq_gaps SET reported_at = NULL WHERE gateway_id = 'gw-race' AND from_seq = 11`);
    const checkDb = new Db(ctx.databaseUrl, 1);
    pools.push(checkDb);
    let filling: Promise<StoreOutcome[]> | undefined;
    await checkDb.transaction(async (tx) => {
      await tx.query(`UPDATE gateway_seq_gaps SET reported_at = now() WHERE gateway_id = 'gw-race' AND from_seq = 11`);
      filling = store(events('gw-race', [12]));
      // The batch is waiting on the range's row lock.
      for (let i = 0; i < 50; i++) {
        const [waiting] = await tx
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`)
          .then((r) => r.rows);
        if (waiting.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    expect((await filling!).map(kind)).toEqual(['recovered']);
    expect(await ranges('gw-race')).toEqual([
      [11, 11, 'reported'],
      [13, 14, 'reported'],
      [16, 20, 'reported'],
    ]);
    expect(await check(GRACE_MS + 10_000, metrics)).toBe(0);
  });

  it('splits a range where late arrivals land inside it, keeping when it opened', async () => {
    await store(events('gw-split-range', [...run(1, 10), 20]));
    const opened = await openedAt('gw-split-range');
    expect((await store(events('gw-split-range', [15, 12]))).map(kind)).toEqual(['stored', 'stored']);
    expect(await ranges('gw-split-range')).toEqual([
      [11, 11],
      [13, 14],
      [16, 19],
    ]);
    expect(await openedAt('gw-split-range')).toEqual([opened[0], opened[0], opened[0]]);
    // The ends of a range shrink it; filling the rest closes it.
    await store(events('gw-split-range', [11, 16, 19]));
    expect(await ranges('gw-split-range')).toEqual([
      [13, 14],
      [17, 18],
    ]);
    await store(events('gw-split-range', [13, 14, 17, 18]));
    expect(await ranges('gw-split-range')).toEqual([]);
  });

  it('closes a gap when resends arrive after newer events (a broker restart)', async () => {
    // 51..79 were lost by a restarting broker; the gateway goes on, then resends them (and,
    // unconfirmed too, some it had sent after): the gap closes, nothing is reported.
    await store(events('gw-restart', run(1, 50)));
    const after = events('gw-restart', run(80, 100));
    await store(after);
    expect(await ranges('gw-restart')).toEqual([[51, 79]]);
    await store(events('gw-restart', run(60, 79)));
    expect(await ranges('gw-restart')).toEqual([[51, 59]]);
    expect((await store([...events('gw-restart', run(51, 59)), ...after.slice(0, 5)])).map(kind)).toEqual([
      ...run(51, 59).map(() => 'stored'),
      ...after.slice(0, 5).map(() => 'duplicate'),
    ]);
    expect(await ranges('gw-restart')).toEqual([]);
    expect(await lastSeq('gw-restart')).toBe(100);
  });

  it('takes a counter far below the highest, in no open range, as a restart of the counter', async () => {
    // Before the restart, 1102..1103 are missing.
    await store(events('gw-reset', [1100, 1101, 1104]));
    expect(await ranges('gw-reset')).toEqual([[1102, 1103]]);
    // A seq a little below the highest and in no open range (seen, or below the first) is no restart.
    await store(events('gw-reset', [1099, 1101]));
    expect(await lastSeq('gw-reset')).toBe(1104);
    // The gateway restarts: 1, 2 is a new count (no gap before it), 4 leaves out 3.
    await store(events('gw-reset', [1, 2, 4]));
    expect(await lastSeq('gw-reset')).toBe(4);
    expect(await ranges('gw-reset')).toEqual([
      [1102, 1103],
      [3, 3, 'epoch 1'],
    ]);
    // The new count passing 1102..1103 stores those numbers anew: it does not fill the old range.
    await store(events('gw-reset', run(3, 1110)));
    expect(await ranges('gw-reset')).toEqual([[1102, 1103]]);
    expect(await lastSeq('gw-reset')).toBe(1110);
    // The old range is still reported if never filled.
    await check(GRACE_MS + 10_000);
    expect(await ranges('gw-reset')).toEqual([[1102, 1103, 'reported']]);
  });
});
