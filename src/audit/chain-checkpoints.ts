import { Injectable, Logger } from '@nestjs/common';
import { Db, type Queryable } from 'src/database/db';
import { Clock } from 'src/platform/clock';
import type { CheckedCheckpoint } from './chain-report';
import { EvidenceKeyStore } from './evidence-keys';
import {
  AUDIT_CHAIN,
  checkpointCanonical,
  signText,
  verifyText,
  type Checkpoint,
  type EvidenceSigner,
} from './evidence-signing';

interface CheckpointRow {
  id: string;
  chain: string;
  seq: string;
  head_hash: string;
  at: Date;
  key_id: string;
  signature: string;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  id: Number(r.id),
  chain: r.chain,
  seq: Number(r.seq),
  headHash: r.head_hash,
  at: r.at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
});

/** Incident timelines checkpointed per statement in a sweep. */
const SWEEP_BATCH = 1000;

/** A sweep looks again at timeline entries this much older than its last checkpoint (late commits, clock skew). */
const SWEEP_OVERLAP_MS = 5 * 60_000;

/**
 * Signed checkpoints of the hash chains' heads (table chain_checkpoints): what lets /verify see
 * that the newest entries of a chain were deleted, which the hash links alone cannot show. The
 * worker writes them periodically for every chain that moved (sweep); an evidence bundle writes
 * one for its incident's head and carries it.
 */
@Injectable()
export class ChainCheckpoints {
  private readonly logger = new Logger(ChainCheckpoints.name);

  constructor(
    private readonly db: Db,
    private readonly keys: EvidenceKeyStore,
    private readonly clock: Clock,
  ) {}

  /** The chain's checkpoint of the furthest position, with its signature checked. */
  async latest(q: Queryable, chain: string): Promise<CheckedCheckpoint | undefined> {
    const { rows } = await q.query<CheckpointRow>(
      'SELECT * FROM chain_checkpoints WHERE chain = $1 ORDER BY seq DESC, id DESC LIMIT 1',
      [chain],
    );
    if (!rows[0]) return undefined;
    const checkpoint = toCheckpoint(rows[0]);
    const key = await this.keys.publicKey(checkpoint.keyId);
    return {
      checkpoint,
      signatureValid: key !== undefined && verifyText(key, checkpointCanonical(checkpoint), checkpoint.signature),
    };
  }

  /** Signs and stores a checkpoint of one chain's head (one already there under this key is returned). */
  async write(chain: string, seq: number, headHash: string, signer?: EvidenceSigner): Promise<Checkpoint> {
    const key = signer ?? (await this.keys.signer());
    const [written] = await this.insert([{ chain, seq, headHash }], key, this.clock.now(), 'bundle');
    if (written) return written;
    const rows = await this.db.query<CheckpointRow>(
      'SELECT * FROM chain_checkpoints WHERE chain = $1 AND seq = $2 AND key_id = $3',
      [chain, seq, key.keyId],
    );
    return toCheckpoint(rows[0]);
  }

  /**
   * Checkpoints every chain whose head is past its latest checkpoint: the audit log, and the
   * incident timelines with entries since the last sweep's checkpoints, less an overlap (the
   * incident_timeline (at) index finds them; a bundle's checkpoint does not move that mark).
   * One sweep at a time across instances. Returns how many were written.
   */
  async sweep(): Promise<number> {
    const signer = await this.keys.signer();
    return this.db.transaction(async (tx) => {
      const { rows: lock } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(734118209, 0) AS ok');
      if (!lock[0].ok) return 0;
      const now = this.clock.now();
      let written = 0;

      const { rows: audit } = await tx.query<{ seq: string; hash: string; cp: string | null }>(
        `SELECT a.seq, a.hash, (SELECT max(seq) FROM chain_checkpoints WHERE chain = $1) AS cp
           FROM (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) a`,
        [AUDIT_CHAIN],
      );
      if (audit[0] && (audit[0].cp === null || Number(audit[0].cp) < Number(audit[0].seq))) {
        written += (
          await this.insert(
            [{ chain: AUDIT_CHAIN, seq: Number(audit[0].seq), headHash: audit[0].hash }],
            signer,
            now,
            'sweep',
            tx,
          )
        ).length;
      }

      const { rows: since } = await tx.query<{ at: Date | null }>(
        `SELECT max(at) AS at FROM chain_checkpoints WHERE written_by = 'sweep' AND starts_with(chain, 'incident/')`,
      );
      const from = since[0].at ? new Date(since[0].at.getTime() - SWEEP_OVERLAP_MS) : new Date(0);
      const { rows: heads } = await tx.query<{ incident_id: string; chain_seq: number; hash: string }>(
        `WITH moved AS (SELECT DISTINCT incident_id FROM incident_timeline WHERE at >= $1)
         SELECT m.incident_id, h.chain_seq, h.hash FROM moved m
          CROSS JOIN LATERAL (SELECT chain_seq, hash FROM incident_timeline t
                               WHERE t.incident_id = m.incident_id ORDER BY chain_seq DESC LIMIT 1) h
          WHERE h.chain_seq > COALESCE((SELECT max(seq) FROM chain_checkpoints c WHERE c.chain = 'incident/' || m.incident_id), 0)`,
        [from],
      );
      for (let i = 0; i < heads.length; i += SWEEP_BATCH) {
        const batch = heads
          .slice(i, i + SWEEP_BATCH)
          .map((h) => ({ chain: `incident/${h.incident_id}`, seq: h.chain_seq, headHash: h.hash }));
        written += (await this.insert(batch, signer, now, 'sweep', tx)).length;
      }
      if (written > 0) this.logger.debug(`Signed ${written} chain checkpoints under evidence key ${signer.keyId}`);
      return written;
    });
  }

  private async insert(
    heads: { chain: string; seq: number; headHash: string }[],
    signer: EvidenceSigner,
    now: Date,
    writtenBy: 'sweep' | 'bundle',
    q: Queryable = this.db.pool,
  ): Promise<Checkpoint[]> {
    const at = now.toISOString();
    const signed = heads.map((h) => ({
      chain: h.chain,
      seq: h.seq,
      head_hash: h.headHash,
      at,
      key_id: signer.keyId,
      signature: signText(signer.privateKey, checkpointCanonical({ ...h, at, keyId: signer.keyId })),
      written_by: writtenBy,
    }));
    const { rows } = await q.query<CheckpointRow>(
      `INSERT INTO chain_checkpoints (chain, seq, head_hash, at, key_id, signature, written_by)
       SELECT c.chain, c.seq, c.head_hash, c.at, c.key_id, c.signature, c.written_by
         FROM json_to_recordset($1::json) AS c(chain text, seq bigint, head_hash text, at timestamptz, key_id text, signature text,
                                               written_by text)
       ON CONFLICT (chain, seq, key_id) DO NOTHING
       RETURNING *`,
      [JSON.stringify(signed)],
    );
    return rows.map(toCheckpoint);
  }
}
