import { aPassage, aTicket } from '../../src/domain/material/fixtures/material-records';
import { readMaterialRecord } from '../../src/domain/material/material-message';
import { RegistryCache, storeBatch, type StoreOutcome, type StoreRequest } from '../../src/ingestion/ingest-store';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Material records as the ingest store keeps them: once per (site, gateway, recordId) within a
 * batch and across batches, under the registry and replay rules of events, and never changed.
 */
describe('storing material records', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('material-store');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  function materialFrom(
    siteId: string,
    gatewayId: string,
    payload: Record<string, unknown>,
    options: { signed?: boolean; late?: boolean } = {},
  ): StoreRequest {
    const read = readMaterialRecord(payload);
    if (!read.ok) throw new Error(read.reason);
    return {
      type: 'material',
      siteId,
      gatewayId,
      record: read.record,
      topic: `t/sites/${siteId}/gateways/${gatewayId}/material`,
      raw: JSON.stringify(payload),
      receivedAt: new Date(),
      late: options.late ?? false,
      signed: options.signed,
    };
  }

  const store = (registry: RegistryCache, requests: StoreRequest[]): Promise<StoreOutcome[]> =>
    ctx.db.transaction(async (tx) => {
      const { outcomes } = await storeBatch(tx, requests, registry);
      registry.commit();
      return outcomes;
    });
  const count = async (recordId: string) =>
    (await ctx.db.query('SELECT 1 FROM material_records WHERE record_id = $1', [recordId])).length;

  it('keeps a record once: a second copy in the batch and a redelivery later are duplicates', async () => {
    const registry = new RegistryCache();
    const ticket = aTicket({ recordId: 'tkt-1' });
    const [first, copy] = await store(registry, [
      materialFrom('kolwezi-1', 'gw-scale', ticket),
      materialFrom('kolwezi-1', 'gw-scale', ticket),
    ]);
    expect(first).toEqual({ type: 'stored', id: expect.any(Number) });
    expect(copy).toEqual({ type: 'duplicate' });
    expect(await store(registry, [materialFrom('kolwezi-1', 'gw-scale', ticket)])).toEqual([{ type: 'duplicate' }]);
    // The same recordId from another gateway is another record.
    expect((await store(registry, [materialFrom('kolwezi-1', 'gw-other', ticket)]))[0]!.type).toBe('stored');
    expect(await count('tkt-1')).toBe(2);
  });

  it('refuses, from a signing gateway, other bytes under a known recordId and a new record older than the allowed lateness', async () => {
    const registry = new RegistryCache();
    const passage = aPassage('in', new Date('2026-11-29T01:00:00Z'), { recordId: 'gate-9' });
    expect((await store(registry, [materialFrom('kolwezi-1', 'gw-gate', passage, { signed: true })]))[0]!.type).toBe(
      'stored',
    );
    expect(await store(registry, [materialFrom('kolwezi-1', 'gw-gate', passage, { signed: true })])).toEqual([
      { type: 'duplicate' },
    ]);
    const other = { ...passage, loaded: true };
    expect(await store(registry, [materialFrom('kolwezi-1', 'gw-gate', other, { signed: true })])).toEqual([
      { type: 'rejected', reason: 'recordId: already seen with other content (replay)', kind: 'replay' },
    ]);
    expect(
      await store(registry, [
        materialFrom(
          'kolwezi-1',
          'gw-gate',
          aPassage('out', new Date('2026-11-29T01:00:00Z'), { recordId: 'gate-10' }),
          { signed: true, late: true },
        ),
      ]),
    ).toEqual([{ type: 'rejected', reason: 'at: older than the allowed lateness (replay)', kind: 'replay' }]);
    expect(await count('gate-10')).toBe(0);
    expect(
      (
        await ctx.db.query<{ body: { loaded: boolean } }>(
          `SELECT body FROM material_records WHERE record_id = 'gate-9'`,
        )
      )[0]!.body.loaded,
    ).toBe(false);
  });

  it('refuses what an unregistered site sends when registration is required, and creates nothing', async () => {
    const outcomes = await store(new RegistryCache({ requireRegistered: true }), [
      materialFrom('ghost-1', 'gw-1', aTicket({ recordId: 'tkt-ghost' })),
    ]);
    expect(outcomes).toEqual([
      { type: 'rejected', reason: 'site: ghost-1 is not registered (INGEST_REQUIRE_REGISTERED)', kind: 'unregistered' },
    ]);
    expect(await count('tkt-ghost')).toBe(0);
    expect(await ctx.db.query(`SELECT 1 FROM sites WHERE id = 'ghost-1'`)).toEqual([]);
  });

  it('never changes or deletes a stored record', async () => {
    await expect(
      ctx.db.query(`UPDATE material_records SET zone = 'elsewhere' WHERE record_id = 'tkt-1'`),
    ).rejects.toThrow(/append-only/);
    await expect(ctx.db.query(`DELETE FROM material_records WHERE record_id = 'tkt-1'`)).rejects.toThrow(/append-only/);
  });
});
