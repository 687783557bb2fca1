import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  bundleHash,
  sealBundle,
  timelineProof,
  type EvidenceBundle,
  type EvidenceTimelineEntry,
} from '../../src/audit/evidence-bundle';
import {
  checkpointCanonical,
  keyFingerprint,
  publicKeyPem,
  signText,
  type EvidenceSigner,
} from '../../src/audit/evidence-signing';
import { CHAIN_GENESIS, timelineCanonical } from '../../src/domain/audit/canonical-json';
import { aTheftEvent } from '../factories/events';
import { runCli } from '../support/cli';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'dist', 'scripts', 'verify-evidence.js');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function aSigner(): EvidenceSigner {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyId: keyFingerprint(privateKey), publicKeyPem: publicKeyPem(privateKey), privateKey };
}

/** Rehashes the timeline from its first entry, so the chain holds together again (as a forger would). */
function rechain(timeline: EvidenceTimelineEntry[]): void {
  let prevHash = CHAIN_GENESIS;
  for (const [i, entry] of timeline.entries()) {
    entry.seq = i + 1;
    entry.prevHash = prevHash;
    entry.hash = sha256(timelineCanonical(entry));
    prevHash = entry.hash;
  }
}

/** The three forgeries an outside probe found passing, each with every hash rechained. */
const FORGERIES: [string, (b: EvidenceBundle) => void][] = [
  [
    "rewrites a theft event's raw payload and fields",
    (b) => {
      const event = b.events[0];
      const raw = {
        ...JSON.parse(event.rawPayload),
        zone: 'south-gate',
        theft: { category: 'perimeter_breach', description: 'Nothing happened' },
      };
      Object.assign(event, { rawPayload: JSON.stringify(raw), zone: raw.zone, theft: raw.theft });
    },
  ],
  [
    'rewrites a timeline actor',
    (b) => {
      const entry = b.timeline.find((e) => e.action === 'acknowledged')!;
      entry.actor = 'someone-else';
      rechain(b.timeline);
    },
  ],
  ['cuts the timeline to one entry', (b) => b.timeline.splice(1)],
];

describe('forged evidence bundles', () => {
  const og = oreGuardForFile('evidence', { env: { EVIDENCE_CHECKPOINT_INTERVAL_MS: '250' } });
  let admin: string;
  let incidentId: string;
  let dir: string;
  let genuine: EvidenceBundle;
  let keyFile: string;

  /** Runs the built offline checker (npm run evidence:verify) on a bundle written to a file. */
  async function offlineCheck(
    name: string,
    bundle: unknown,
    ...args: string[]
  ): Promise<{ code: number; out: string }> {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(bundle, null, 2));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [VERIFY_SCRIPT, file, ...args]);
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
      return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
    }
  }

  /** GET /evidence/keys with no token at all. */
  const evidenceKeys = async () => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/evidence/keys`);
    return {
      status: res.status,
      body: (await res.json()) as {
        items: { keyId: string; fingerprint: string; publicKey: string; current: boolean }[];
      },
    };
  };

  const keyFileOf = (name: string, pem: string) => {
    const file = join(dir, name);
    writeFileSync(file, pem);
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oreguard-forgery-'));
    admin = await login(og.oreguard.baseUrl);
    const gateway = await og.gateway('tarkwa-2');
    await gateway.publish(aTheftEvent());
    const [row] = await waitFor(() =>
      og.ctx.db.query<{ id: string }>('SELECT id FROM incidents').then((r) => (r.length ? r : undefined)),
    );
    incidentId = row.id;
    await gateway.publish(aTheftEvent({ theft: { category: 'tamper', description: 'Camera covered' } }));
    await waitFor(() =>
      og.ctx.db
        .query<{ event_count: number }>('SELECT event_count FROM incidents WHERE id = $1', [incidentId])
        .then((r) => r[0]?.event_count === 2),
    );
    expect((await og.rest(admin, 'POST', `/incidents/${incidentId}/acknowledge`)).status).toBe(200);
    expect(
      (await og.rest(admin, 'POST', `/incidents/${incidentId}/notes`, { text: 'Guards dispatched to the north fence' }))
        .status,
    ).toBe(200);
    const keys = await evidenceKeys();
    keyFile = keyFileOf('oreguard.pem', keys.body.items[0].publicKey);
    genuine = (await og.rest(admin, 'GET', `/incidents/${incidentId}/evidence`)).body;
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('binds each event into its incident chain by the SHA-256 of its stored raw payload', async () => {
    const rows = await og.ctx.db.query<{ action: string; details: { events?: object[] } }>(
      'SELECT action, details FROM incident_timeline WHERE incident_id = $1 ORDER BY chain_seq',
      [incidentId],
    );
    const events = await og.ctx.db.query<{ id: string; event_id: string; raw_payload: string }>(
      'SELECT id, event_id, raw_payload FROM events ORDER BY id',
    );
    expect(rows.slice(0, 2).map((r) => [r.action, r.details.events])).toEqual(
      events.map((e, i) => [
        i === 0 ? 'opened' : 'events-joined',
        [
          {
            id: Number(e.id),
            eventId: e.event_id,
            siteId: 'tarkwa-2',
            gatewayId: 'gw-1',
            payloadSha256: sha256(e.raw_payload),
          },
        ],
      ]),
    );
  });

  it('serves the evidence keys to anyone, each with the fingerprint of its raw public key', async () => {
    const { status, body } = await evidenceKeys();
    expect(status).toBe(200);
    expect(body.items).toEqual([
      expect.objectContaining({
        algorithm: 'Ed25519',
        origin: 'generated',
        current: true,
        retiredAt: null,
        keyId: body.items[0].fingerprint,
      }),
    ]);
    expect(keyFingerprint(createPublicKey(body.items[0].publicKey))).toBe(body.items[0].fingerprint);
    expect(genuine).toMatchObject({
      signing: { keyId: body.items[0].keyId },
      checkpoint: { chain: `incident/${incidentId}`, seq: 4 },
    });
  });

  it('verifies the genuine bundle under the served key or its pinned fingerprint, and refuses to check with neither', async () => {
    expect(await offlineCheck('genuine.json', genuine, '--key', keyFile)).toEqual({
      code: 0,
      out: expect.stringMatching(
        /^OK .*signed by evidence key [0-9a-f]{64}; 4 timeline entries .*checkpoint at 4 .*2 events match their raw payloads\n$/,
      ),
    });
    expect((await offlineCheck('genuine.json', genuine, '--fingerprint', genuine.signing.keyId)).code).toBe(0);
    expect(await offlineCheck('genuine.json', genuine)).toEqual({
      code: 2,
      out: expect.stringMatching(/^refusing to check without a trusted key/),
    });
    const { signature: _, ...unsigned } = genuine;
    expect(await offlineCheck('unsigned.json', unsigned, '--key', keyFile)).toEqual({
      code: 1,
      out: expect.stringMatching(/^FAULT .*not signed/),
    });
  });

  it.each(FORGERIES)('refuses a bundle that %s, with every hash recomputed, signed or not', async (_, forge) => {
    const forged = structuredClone(genuine);
    forge(forged);
    forged.chainProof = timelineProof(forged.timeline);
    forged.bundleHash = bundleHash(forged);
    const kept = await offlineCheck('forged.json', forged, '--key', keyFile);
    expect(kept).toEqual({ code: 1, out: expect.stringMatching(/^FAULT /) });

    // Signed again, checkpoint and all, under a fresh key of the forger's own.
    const forger = aSigner();
    const head = {
      chain: forged.checkpoint.chain,
      seq: forged.chainProof.entries,
      headHash: forged.chainProof.headHash,
      at: forged.checkpoint.at,
      keyId: forger.keyId,
    };
    const { signing: _s, bundleHash: _h, signature: _sig, ...unsigned } = forged;
    const resigned = sealBundle(
      {
        ...unsigned,
        checkpoint: {
          ...forged.checkpoint,
          ...head,
          signature: signText(forger.privateKey, checkpointCanonical(head)),
        },
      },
      forger,
    );
    expect(await offlineCheck('resigned.json', resigned, '--key', keyFile)).toEqual({
      code: 1,
      out: expect.stringMatching(
        new RegExp(`^FAULT .*signed under key ${forger.keyId}, not the trusted key ${genuine.signing.keyId}`),
      ),
    });
    expect((await offlineCheck('resigned.json', resigned, '--fingerprint', genuine.signing.keyId)).code).toBe(1);
  });

  it('keeps a bundle signed before a key rotation verifiable under the old key served by /evidence/keys', async () => {
    const rotated = await runCli(['evidence:rotate-key'], og.ctx.env());
    expect(rotated).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`; ${genuine.signing.keyId} retired`)),
    });
    const { body } = await evidenceKeys();
    expect(
      body.items.map((k: { keyId: string; current: boolean }) => [k.keyId === genuine.signing.keyId, k.current]),
    ).toEqual([
      [false, true],
      [true, false],
    ]);
    const oldKey = keyFileOf('old.pem', body.items[1].publicKey);
    const newKey = keyFileOf('new.pem', body.items[0].publicKey);
    expect((await offlineCheck('genuine.json', genuine, '--key', oldKey)).code).toBe(0);
    expect((await offlineCheck('genuine.json', genuine, '--key', newKey)).code).toBe(1);

    const after: EvidenceBundle = (await og.rest(admin, 'GET', `/incidents/${incidentId}/evidence`)).body;
    expect(after.signing.keyId).toBe(body.items[0].keyId);
    expect((await offlineCheck('after.json', after, '--key', newKey)).code).toBe(0);
  });

  it('reports the newest timeline entries deleted past the triggers, once a checkpoint covers them', async () => {
    // A fifth entry, which only the worker's periodic sweep checkpoints (no bundle is made).
    expect((await og.rest(admin, 'POST', `/incidents/${incidentId}/notes`, { text: 'Fence patched' })).status).toBe(
      200,
    );
    await waitFor(
      async () =>
        (
          await og.ctx.db.query(
            `SELECT 1 FROM chain_checkpoints WHERE chain = $1 AND seq = 5 AND written_by = 'sweep'`,
            [`incident/${incidentId}`],
          )
        ).length > 0,
      { what: 'a swept checkpoint of the incident timeline' },
    );
    const { body: before } = await og.rest(admin, 'GET', `/incidents/${incidentId}/verify`);
    expect(before).toMatchObject({ intact: true, entries: 5, checkpoint: { seq: 5 } });
    await og.ctx.db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('DELETE FROM incident_timeline WHERE incident_id = $1 AND chain_seq >= 3', [incidentId]);
    });
    const { body } = await og.rest(admin, 'GET', `/incidents/${incidentId}/verify`);
    expect(body).toMatchObject({
      intact: false,
      entries: 2,
      firstBroken: {
        seq: 5,
        reason: expect.stringMatching(
          /^the chain ends at position 2, but checkpoint \d+ of .* records 5 entries .*: entries 3 to 5 are missing/,
        ),
      },
    });
  });

  it('reports the newest audit entries deleted past the triggers, once a checkpoint covers them', async () => {
    const head = async () =>
      Number((await og.ctx.db.query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_log'))[0].seq);
    const seq = await head();
    await waitFor(
      async () =>
        (await og.ctx.db.query('SELECT 1 FROM chain_checkpoints WHERE chain = $1 AND seq = $2', ['audit', seq]))
          .length > 0 && (await head()) === seq,
      { what: 'a checkpoint of the audit head' },
    );
    expect((await og.rest(admin, 'GET', '/audit/verify')).body).toMatchObject({
      intact: true,
      entries: seq,
      checkpoint: { seq },
    });
    await og.ctx.db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('DELETE FROM audit_log WHERE seq > $1', [seq - 2]);
    });
    const { body } = await og.rest(admin, 'GET', '/audit/verify');
    expect(body).toMatchObject({
      intact: false,
      entries: seq - 2,
      firstBroken: { seq, reason: expect.stringMatching(new RegExp(`entries ${seq - 1} to ${seq} are missing`)) },
    });
  });

  it('reports a checkpoint that the evidence key did not sign', async () => {
    const forger = aSigner();
    const [key] = (await evidenceKeys()).body.items;
    const head = { chain: 'audit', seq: 999, headHash: 'f'.repeat(64), at: new Date().toISOString(), keyId: key.keyId };
    await og.ctx.db.query(
      `INSERT INTO chain_checkpoints (chain, seq, head_hash, at, key_id, signature, written_by) VALUES ($1, $2, $3, $4, $5, $6, 'sweep')`,
      [
        head.chain,
        head.seq,
        head.headHash,
        head.at,
        head.keyId,
        signText(forger.privateKey, checkpointCanonical(head)),
      ],
    );
    const { body } = await og.rest(admin, 'GET', '/audit/verify');
    expect(body).toMatchObject({
      intact: false,
      checkpoint: { seq: 999 },
      firstBroken: {
        reason: expect.stringMatching(
          new RegExp(`does not verify under evidence key ${key.keyId}: it was not signed by OreGuard`),
        ),
      },
    });
  });
});
