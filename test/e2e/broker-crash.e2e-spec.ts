import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { ConfirmingGateway } from '../support/confirming-gateway';
import { MosquittoServer } from '../support/mosquitto-server';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const TOTAL = 2000;
const PER_TICK = 10;
const TICK_MS = 5;
const KILL_AT_CONFIRMED = 600;
/** The stream holds here until the broker is dead, so the rest is surely sent while it is down. */
const HOLD_AT_SENT = 1000;

/**
 * A broker can lose what it acknowledged (SIGKILL between its once-a-second snapshots). The
 * contract's answer is end-to-end confirmation: a gateway keeps each event until OreGuard
 * says it is stored, and resends the rest. With the broker killed mid-stream and restarted on
 * the same port and persistence, every event ends up confirmed and stored exactly once.
 */
describe('the broker killed while a confirming gateway streams', () => {
  let ctx: TestContext;
  let broker: MosquittoServer;
  let oreguard: OreGuardProcess;
  let gateway: ConfirmingGateway | undefined;

  beforeAll(async () => {
    ctx = await createTestContext('broker-crash');
    broker = new MosquittoServer(await freePort());
    await broker.start();
    oreguard = new OreGuardProcess(ctx.env({ MQTT_URL: broker.url, PORT: String(await freePort()) }));
    await oreguard.start();
  });

  afterAll(async () => {
    await gateway?.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await broker?.dispose();
    await ctx?.dispose();
  });

  it('confirms and stores every event exactly once after the broker restarts', async () => {
    gateway = await ConfirmingGateway.connect(ctx.topicPrefix, 'kolwezi-1', 'gw-1', {
      url: broker.url,
      resendAfterMs: 2000,
    });
    const g = gateway;
    // OreGuard's subscription is in place before the stream: a probe, resent until it is, is confirmed.
    const probe = aDroneEvent();
    g.send(probe);
    await g.waitAllConfirmed(20_000);
    expect(g.confirmations.get(probe.eventId)?.status).toBe('stored');

    const makers = [aDroneEvent, aCyberEvent, aTheftEvent];
    const sent: string[] = [];
    let confirmedAtKill = -1;
    const killer = (async () => {
      await waitFor(() => g.confirmations.size - 1 >= KILL_AT_CONFIRMED, {
        timeoutMs: 30_000,
        intervalMs: 10,
        what: `${KILL_AT_CONFIRMED} confirmations before the broker is killed`,
      });
      confirmedAtKill = g.confirmations.size - 1;
      await broker.stop('SIGKILL');
    })();
    void killer.catch(() => undefined); // its failure is reported where it is awaited

    for (let n = 0; n < TOTAL; n += PER_TICK) {
      if (n === HOLD_AT_SENT) await killer;
      for (let i = n; i < n + PER_TICK; i++) {
        const event = makers[i % 3]({ seq: i + 1 });
        sent.push(event.eventId);
        g.send(event);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS)); // pacing, not waiting for an outcome
    }
    await killer;
    expect(confirmedAtKill).toBeLessThan(HOLD_AT_SENT);
    expect(g.pending).toBeGreaterThan(TOTAL - HOLD_AT_SENT - 1);

    await broker.start(); // same port, same persistence folder; OreGuard and the gateway reconnect on their own

    await g.waitAllConfirmed(45_000);
    const answers = sent.map((id) => g.confirmations.get(id)?.status);
    expect(answers.filter((s) => s !== 'stored' && s !== 'duplicate')).toEqual([]);
    expect(new Set(sent).size).toBe(TOTAL);

    const [counts] = await ctx.db.query<{ n: number; distinct_ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM events WHERE event_id <> $1`,
      [probe.eventId],
    );
    expect(counts).toEqual({ n: TOTAL, distinct_ids: TOTAL });
    const stored = await ctx.db.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id <> $1', [
      probe.eventId,
    ]);
    expect(new Set(stored.map((r) => r.event_id))).toEqual(new Set(sent));
    // The resends arrived after newer events, and filled every range of seq they had opened.
    expect(await ctx.db.query('SELECT from_seq, to_seq FROM gateway_seq_gaps')).toEqual([]);
    expect(await ctx.db.query(`SELECT last_seq::int FROM gateways WHERE id = 'gw-1'`)).toEqual([{ last_seq: TOTAL }]);
  }, 120_000);
});
