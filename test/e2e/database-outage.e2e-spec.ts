import { Client } from 'pg';
import { aCyberEvent } from '../factories/events';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

const EVENTS = 200;

/**
 * PostgreSQL refuses OreGuard (its database stops taking connections and the open ones are cut)
 * while a gateway publishes: nothing may be acknowledged meanwhile, and once the database is
 * back every event is stored exactly once. Only this test's own database is touched.
 */
describe('the database unavailable while events arrive', () => {
  const og = oreGuardForFile('database-outage');
  let admin: Client;

  const setConnections = async (allowed: boolean) => {
    await admin.query(`ALTER DATABASE ${og.ctx.name} WITH ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [og.ctx.name],
      );
    }
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: `${TEST_SERVICES.postgresUrl}/postgres` });
    await admin.connect();
  });

  afterAll(async () => {
    await setConnections(true).catch(() => undefined);
    await admin?.end();
  });

  it('keeps retrying while PostgreSQL is away, then stores every event exactly once', async () => {
    await setConnections(false);
    const gateway = await TestGateway.connect(og.ctx.topicPrefix, 'kolwezi-1', 'gw-1');
    const events = Array.from({ length: EVENTS }, () => aCyberEvent());
    // QoS 1 publishes complete when the broker has them, whatever OreGuard does.
    await Promise.all(events.map((e) => gateway.publish(e)));
    await gateway.close();

    // OreGuard keeps retrying the batch (and says so in its metrics) instead of dropping it.
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
        const failures = /^oreguard_ingest_batch_failures_total (\d+)/m.exec(metrics);
        return failures && Number(failures[1]) >= 2;
      },
      { what: 'failed ingest attempts to be counted' },
    );
    const accepted = /^oreguard_events_accepted_total\{[^}]*\} (\d+)/m.exec(
      await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text(),
    );
    expect(accepted).toBeNull();

    await setConnections(true);
    const stored = await waitFor(
      async () => {
        const [row] = await og.ctx.db.query<{ n: string; distinct_ids: string }>(
          'SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_ids FROM events',
        );
        return Number(row.n) >= EVENTS ? row : undefined;
      },
      { timeoutMs: 30_000, what: 'every event stored after the outage' },
    );
    expect(Number(stored.n)).toBe(EVENTS);
    expect(Number(stored.distinct_ids)).toBe(EVENTS);
    const ids = new Set(
      (await og.ctx.db.query<{ event_id: string }>('SELECT event_id FROM events')).map((r) => r.event_id),
    );
    expect(events.every((e) => ids.has(e.eventId))).toBe(true);
    await waitFor(async () => (await og.ctx.db.query('SELECT 1 FROM events WHERE folded_at IS NULL')).length === 0, {
      what: 'every event folded',
    });
  });
});
