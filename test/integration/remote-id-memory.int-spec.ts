import { encodeRemoteIdHex, type SingleMessageInput } from '../../src/domain/remote-id/remote-id-encoder';
import { readRemoteIdReport, type RemoteIdReport } from '../../src/domain/remote-id/remote-id-report';
import { assembleRemoteIdBatch, forgetTransmitters } from '../../src/ingestion/remote-id-memory';
import { createTestContext, type TestContext } from '../support/test-context';

/** The Remote ID memory in PostgreSQL: shared by transactions (instances), and bounded. */
const OPTIONS = { memoryTtlMs: 10 * 60_000, maxSpeedMps: 150 };
const NOW = new Date('2026-11-29T02:15:00.000Z');

function report(transmitter: string, heardAt: string, messages: SingleMessageInput[]): RemoteIdReport {
  const result = readRemoteIdReport(
    { siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'rid-rx-1' },
    { receivedAt: heardAt, transmitter, transport: 'wifi', messages: messages.map(encodeRemoteIdHex) },
  );
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

describe('Remote ID transmitter memory', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('remote-id-memory');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  it('makes a second instance wait for the first one’s transaction on the same new transmitter, then see what it learned', async () => {
    const identity = report('aa:00:00:00:00:01', '2026-11-29T02:14:58Z', [
      { type: 'basic_id', idType: 'serial_number', uasId: 'SN-SHARED-1' },
    ]);
    const fix = report('aa:00:00:00:00:01', '2026-11-29T02:14:59Z', [
      { type: 'location', position: { lat: -10.7148, lon: 25.4663 }, tenthsAfterHour: 14 * 600 + 585 },
    ]);

    const first = await ctx.db.pool.connect();
    const second = await ctx.db.pool.connect();
    try {
      await first.query('BEGIN');
      await assembleRemoteIdBatch(first, [identity], OPTIONS);
      await second.query('BEGIN');
      // Started before the first commits; without the lock it would read no memory and name no drone.
      const pending = assembleRemoteIdBatch(second, [fix], OPTIONS);
      await first.query('COMMIT');
      const [drafts] = await pending;
      await second.query('COMMIT');
      expect(drafts![0]!.event.drone!.uasId).toBe('SN-SHARED-1');
    } finally {
      first.release();
      second.release();
    }
    const [row] = await ctx.db.query<{ state: any }>(
      `SELECT state FROM remote_id_transmitters WHERE transmitter = 'aa:00:00:00:00:01'`,
    );
    expect(row!.state).toMatchObject({
      uasIds: { serial_number: 'SN-SHARED-1' },
      lastFix: { lat: -10.7148, lon: 25.4663 },
    });
  });

  it('forgets transmitters past the time to live, then the least recently heard beyond the maximum', async () => {
    await ctx.db.query('DELETE FROM remote_id_transmitters');
    const minutesAgo = [1, 2, 3, 4, 11, 30];
    for (const [i, minutes] of minutesAgo.entries()) {
      const heardAt = new Date(NOW.getTime() - minutes * 60_000).toISOString();
      await ctx.db.query(
        `INSERT INTO remote_id_transmitters (site_id, gateway_id, transmitter, state, heard_at) VALUES ('kolwezi-1', 'gw-east', $1, $2, $3)`,
        [`tx-${i}`, JSON.stringify({ heardAt }), heardAt],
      );
    }
    expect(await forgetTransmitters(ctx.db.pool, NOW, { memoryTtlMs: 10 * 60_000, maxTransmitters: 3 })).toBe(3);
    const left = await ctx.db.query<{ transmitter: string }>(
      'SELECT transmitter FROM remote_id_transmitters ORDER BY transmitter',
    );
    expect(left.map((r) => r.transmitter)).toEqual(['tx-0', 'tx-1', 'tx-2']);
  });
});
