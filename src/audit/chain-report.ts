import type { Checkpoint } from './evidence-signing';
import { ChainWalker, type ChainFault, type ChainedEntry } from './hash-chain';

/** The checkpoint a chain was held to, as a report names it. */
export type CheckpointView = Pick<Checkpoint, 'id' | 'seq' | 'headHash' | 'at' | 'keyId'>;

/**
 * What GET /audit/verify and GET /incidents/{id}/verify answer. `checkpoint`: the latest signed
 * checkpoint of the chain, which the chain must still reach (null: none written yet).
 */
export type ChainReport =
  | { intact: true; entries: number; headHash: string; checkpoint: CheckpointView | null }
  | { intact: false; entries: number; firstBroken: ChainFault; checkpoint: CheckpointView | null };

/** Entries read per query while verifying: a chain of any length is held one page at a time. */
export const VERIFY_PAGE = 2000;

/** The chain's latest checkpoint and whether its signature holds under the key it names. */
export interface CheckedCheckpoint {
  checkpoint: Checkpoint;
  signatureValid: boolean;
}

const view = (c: Checkpoint): CheckpointView => ({
  id: c.id,
  seq: c.seq,
  headHash: c.headHash,
  at: c.at,
  keyId: c.keyId,
});

/**
 * Verifies a chain by reading it in pages ordered by position (`readPage(afterSeq, limit)`),
 * recomputing every hash and link, then holds it to its latest checkpoint (read before the
 * chain, which can only have grown since): a chain shorter than the checkpoint lost its newest
 * entries; one whose entry at the checkpoint's position has another hash was rewritten.
 * `entries` counts the entries that held before any fault.
 */
export async function verifyChain<E extends ChainedEntry>(
  readPage: (afterSeq: number, limit: number) => Promise<E[]>,
  canonical: (entry: E) => string,
  checked?: CheckedCheckpoint,
): Promise<ChainReport> {
  const checkpoint = checked ? view(checked.checkpoint) : null;
  const broken = (count: number, firstBroken: ChainFault): ChainReport => ({
    intact: false,
    entries: count,
    firstBroken,
    checkpoint,
  });
  const cp = checked?.checkpoint;
  const cpFault = (reason: string): ChainFault => ({ id: `checkpoint:${cp!.id}`, seq: cp!.seq, reason });
  if (checked && !checked.signatureValid) {
    return broken(
      0,
      cpFault(
        `checkpoint ${cp!.id} of ${cp!.at} does not verify under evidence key ${cp!.keyId}: it was not signed by OreGuard`,
      ),
    );
  }
  const walker = new ChainWalker<E>(canonical);
  let hashAtCheckpoint: { id: string; hash: string } | undefined;
  let after = 0;
  for (;;) {
    const page = await readPage(after, VERIFY_PAGE);
    for (const entry of page) {
      const fault = walker.next(entry);
      if (fault) return broken(walker.count, fault);
      if (cp && entry.seq === cp.seq) hashAtCheckpoint = { id: String(entry.id), hash: entry.hash };
    }
    if (page.length < VERIFY_PAGE) break;
    after = page[page.length - 1].seq;
  }
  if (cp && walker.count < cp.seq) {
    const missing = cp.seq - walker.count;
    return broken(
      walker.count,
      cpFault(
        `the chain ends at position ${walker.count}, but checkpoint ${cp.id} of ${cp.at} records ${cp.seq} entries ending in ${cp.headHash}: ` +
          `${missing === 1 ? `entry ${cp.seq} is` : `entries ${walker.count + 1} to ${cp.seq} are`} missing (deleted)`,
      ),
    );
  }
  if (cp && hashAtCheckpoint && hashAtCheckpoint.hash !== cp.headHash) {
    return broken(cp.seq - 1, {
      id: hashAtCheckpoint.id,
      seq: cp.seq,
      reason: `its hash ${hashAtCheckpoint.hash} is not the ${cp.headHash} that checkpoint ${cp.id} of ${cp.at} records at this position: the chain was rewritten`,
    });
  }
  return { intact: true, entries: walker.count, headHash: walker.headHash, checkpoint };
}
