import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '../../src/database/data-source';
import { auditCanonical, CHAIN_GENESIS, timelineCanonical } from '../../src/domain/audit/canonical-json';
import { sha256Hex } from '../../src/audit/hash-chain';
import { chainTimeline, incidentWrites } from '../../src/incidents/incident.repository';
import { verifyTimeline } from '../../src/incidents/timeline-chain';
import { createTestContext, type TestContext } from '../support/test-context';

describe('the hash chains in PostgreSQL', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('audit-chain');
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  async function anIncident(): Promise<string> {
    const id = randomUUID();
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ('kolwezi-1', 'Kolwezi') ON CONFLICT DO NOTHING`);
    await ctx.db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, updated_at)
       VALUES ($1, 'kolwezi-1', 'theft', 'Perimeter breach', 'high', 3, 'open', '{theft}', '{perimeter}', 1, now(), now(), now(), now())`,
      [id],
    );
    return id;
  }

  const awkwardDetails = {
    text: 'Quote " backslash \\ newline \n tab \t bell \u0007 é 漢 \u{1F600} \u2028',
    counts: [0, -1, 2.5, 1e21, 1.5e-7, 123456789012],
    nested: { b: null, a: true, '\uE000': 'private use', '\u{1F600}': 'astral', A: false },
    empty: {},
    list: [],
  };

  it('computes the same canonical bytes in SQL as OreGuard does in TypeScript', async () => {
    const at = new Date('2026-11-29T02:12:44.120Z');
    const [row] = await ctx.db.query<{ timeline: string; audit: string }>(
      `SELECT incident_timeline_canonical($1, 7, $2, 'lead-1', 'noted', $3::jsonb, $4) AS timeline,
              audit_log_canonical(12, $2, 'admin', NULL, 'user.created', 'u-1', $3::jsonb, '10.0.0.1', $4) AS audit`,
      ['7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11', at, JSON.stringify(awkwardDetails), CHAIN_GENESIS],
    );
    expect(row.timeline).toBe(
      timelineCanonical({
        incidentId: '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11',
        seq: 7,
        at: at.toISOString(),
        actor: 'lead-1',
        action: 'noted',
        details: awkwardDetails,
        prevHash: CHAIN_GENESIS,
      }),
    );
    expect(row.audit).toBe(
      auditCanonical({
        seq: 12,
        at: at.toISOString(),
        actor: 'admin',
        actorId: null,
        action: 'user.created',
        target: 'u-1',
        details: awkwardDetails,
        ip: '10.0.0.1',
        prevHash: CHAIN_GENESIS,
      }),
    );
  });

  it('keeps one unforked chain per incident when writers that hold no incident lock insert at once', async () => {
    const incidentId = await anIncident();
    const writers = await Promise.all(
      [1, 2, 3].map(async () => {
        const client = new Client({ connectionString: ctx.databaseUrl });
        await client.connect();
        return client;
      }),
    );
    try {
      await Promise.all(
        writers.map(async (client, w) => {
          for (let i = 0; i < 15; i++) {
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO incident_timeline (incident_id, at, actor, action, details)
               SELECT $1, now(), $2, 'noted', jsonb_build_object('n', n) FROM generate_series(1, 3) AS n`,
              [incidentId, `writer-${w}`],
            );
            await client.query('COMMIT');
          }
        }),
      );
    } finally {
      await Promise.all(writers.map((c) => c.end()));
    }
    expect(await verifyTimeline(ctx.db.pool, incidentId)).toEqual({
      intact: true,
      entries: 135,
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      checkpoint: null,
    });
  });

  it('takes entries the writer chained itself (as the fold does) only when they continue the chain', async () => {
    const incidentId = await anIncident();
    await ctx.db.query(
      `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, now(), 'system', 'opened')`,
      [incidentId],
    );
    const heads = await ctx.db.transaction((tx) => incidentWrites.chainHeads(tx, [incidentId]));
    expect(heads.get(incidentId)?.seq).toBe(1);
    const entries = chainTimeline(
      [
        {
          incidentId,
          at: new Date(),
          actor: 'system',
          action: 'events-joined',
          details: { eventIds: [1, 2], eventCount: 2, skipped: undefined },
        },
        { incidentId, at: new Date(), actor: 'system', action: 'noted', details: awkwardDetails },
      ],
      heads,
    );
    const insert = (e: (typeof entries)[number]) =>
      ctx.db.query(
        `INSERT INTO incident_timeline (incident_id, at, actor, action, details, chain_seq, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.incidentId, e.at, e.actor, e.action, JSON.stringify(e.details), e.chainSeq, e.prevHash, e.hash],
      );
    for (const e of entries) await insert(e);
    // What the writer hashed is what /verify recomputes from the stored rows.
    expect(await verifyTimeline(ctx.db.pool, incidentId)).toMatchObject({
      intact: true,
      entries: 3,
      headHash: entries[1].hash,
    });
    // An entry that does not continue the chain (a stale head) is refused.
    const stale = chainTimeline(
      [{ incidentId, at: new Date(), actor: 'system', action: 'noted', details: {} }],
      heads,
    )[0];
    await expect(insert(stale)).rejects.toThrow(/does not continue its chain/);
  });

  it.each([
    ['UPDATE incident_timeline SET actor = $$someone$$', /incident_timeline is append-only: UPDATE refused/],
    ['DELETE FROM incident_timeline', /incident_timeline is append-only: DELETE refused/],
    ['TRUNCATE incident_timeline CASCADE', /append-only: TRUNCATE refused/],
    ['UPDATE audit_log SET actor = $$someone$$', /audit_log is append-only: UPDATE refused/],
    ['DELETE FROM audit_log', /audit_log is append-only: DELETE refused/],
    ['TRUNCATE audit_log', /audit_log is append-only: TRUNCATE refused/],
    ['DELETE FROM incident_events', /incident_events is append-only: DELETE refused/],
    ['UPDATE events SET raw_payload = $${}$$', /events(_p\d{8})? is append-only: UPDATE refused/],
    ['DELETE FROM events', /events(_p\d{8})? is append-only: DELETE refused/],
  ])('the database refuses %s', async (sql, message) => {
    const incidentId = await anIncident();
    await ctx.db.query(
      `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, now(), 'system', 'opened')`,
      [incidentId],
    );
    await ctx.db.query(`INSERT INTO audit_log (at, actor, action) VALUES (now(), 'system', 'test.entry')`);
    await ctx.db.query(`INSERT INTO gateways (site_id, id) VALUES ('kolwezi-1', 'gw-1') ON CONFLICT DO NOTHING`);
    const [event] = await ctx.db.query<{ id: string }>(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic, raw_payload)
       VALUES ('kolwezi-1', 'gw-1', $1, 's-1', 'theft', now(), now(), 'canonical', '{}', 't', '{}') RETURNING id`,
      [randomUUID()],
    );
    await ctx.db.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [incidentId, event.id]);
    await expect(ctx.db.query(sql)).rejects.toThrow(message);
    // Folding still marks events.
    await ctx.db.query('UPDATE events SET folded_at = now(), fold_error = NULL WHERE id = $1', [event.id]);
  });

  it('keeps checkpoints append-only, and of an evidence key only when it retired', async () => {
    const keyId = 'ab'.repeat(32);
    await ctx.db.query(`INSERT INTO evidence_keys (key_id, public_key) VALUES ($1, 'pem')`, [keyId]);
    await ctx.db.query(
      `INSERT INTO chain_checkpoints (chain, seq, head_hash, at, key_id, signature, written_by) VALUES ('audit', 1, $1, now(), $2, 'sig', 'sweep')`,
      ['0'.repeat(64), keyId],
    );
    await expect(ctx.db.query(`UPDATE chain_checkpoints SET seq = 9`)).rejects.toThrow(
      /chain_checkpoints is append-only: UPDATE refused/,
    );
    await expect(ctx.db.query(`DELETE FROM chain_checkpoints`)).rejects.toThrow(
      /chain_checkpoints is append-only: DELETE refused/,
    );
    await expect(ctx.db.query(`TRUNCATE chain_checkpoints`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(ctx.db.query(`UPDATE evidence_keys SET public_key = 'other'`)).rejects.toThrow(
      /evidence_keys is append-only: UPDATE refused/,
    );
    await expect(ctx.db.query(`DELETE FROM evidence_keys WHERE key_id = $1`, [keyId])).rejects.toThrow(
      /DELETE refused/,
    );
    await ctx.db.query(`UPDATE evidence_keys SET retired_at = now() WHERE key_id = $1`, [keyId]);
  });

  it('chains the timeline an existing database already holds when the migration runs, binding its events', async () => {
    const incidentA = await anIncident();
    const incidentB = await anIncident();
    const incidentC = await anIncident();
    await ctx.db.query(`INSERT INTO gateways (site_id, id) VALUES ('kolwezi-1', 'gw-1') ON CONFLICT DO NOTHING`);
    const raw = '{"eventId": "x", "zone": "north-fence é"}';
    const [event] = await ctx.db.query<{ id: string; event_id: string }>(
      `INSERT INTO events (site_id, gateway_id, event_id, sensor_id, kind, occurred_at, received_at, source, details, topic, raw_payload)
       VALUES ('kolwezi-1', 'gw-1', $1, 's-1', 'theft', now(), now(), 'canonical', '{}', 't', $2) RETURNING id, event_id`,
      [randomUUID(), raw],
    );
    await ctx.db.query('INSERT INTO incident_events (incident_id, event_id) VALUES ($1, $2)', [incidentC, event.id]);
    const source = createDataSource(ctx.databaseUrl);
    await source.initialize();
    const runner = source.createQueryRunner();
    try {
      // The database as it was before the chains: every later migration undone, newest first
      // (later ones build on the chains' guard), then the chains' own.
      const newest = async () => Number((await runner.query('SELECT max(timestamp) AS t FROM schema_migrations'))[0].t);
      while ((await newest()) >= 1764700000000) await source.undoLastMigration(); // 1764700000000: the audit chains
      await runner.query(
        `INSERT INTO incident_timeline (incident_id, at, actor, action, details) VALUES
           ($1, '2026-11-29T02:00:00.123456Z', 'system', 'opened', '{"eventCount": 1}'),
           ($2, '2026-11-29T02:01:00Z', 'system', 'opened', '{}'),
           ($1, '2026-11-29T02:05:00Z', 'lead-1', 'noted', '{"text": "Guards sent"}')`,
        [incidentA, incidentB],
      );
      await source.runMigrations();
    } finally {
      await runner.release();
      await source.destroy();
    }
    expect(await verifyTimeline(ctx.db.pool, incidentA)).toMatchObject({ intact: true, entries: 2 });
    expect(await verifyTimeline(ctx.db.pool, incidentB)).toMatchObject({ intact: true, entries: 1 });
    // An event linked before payload hashes existed is bound by an entry of its own.
    const [recorded] = await ctx.db.query<{ chain_seq: number; details: object }>(
      `SELECT chain_seq, details FROM incident_timeline WHERE incident_id = $1 AND action = 'events-recorded'`,
      [incidentC],
    );
    expect(recorded).toEqual({
      chain_seq: 1,
      details: {
        eventCount: 1,
        events: [
          {
            id: Number(event.id),
            eventId: event.event_id,
            siteId: 'kolwezi-1',
            gatewayId: 'gw-1',
            payloadSha256: sha256Hex(raw),
          },
        ],
      },
    });
    expect(await verifyTimeline(ctx.db.pool, incidentC)).toMatchObject({ intact: true, entries: 1 });
    // New entries continue the backfilled chain.
    await ctx.db.query(
      `INSERT INTO incident_timeline (incident_id, at, actor, action) VALUES ($1, now(), 'lead-1', 'acknowledged')`,
      [incidentA],
    );
    expect(await verifyTimeline(ctx.db.pool, incidentA)).toMatchObject({ intact: true, entries: 3 });
  });
});
