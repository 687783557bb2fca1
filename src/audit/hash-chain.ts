import { createHash } from 'node:crypto';
import { CHAIN_GENESIS } from 'src/domain/audit/canonical-json';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A chained entry as stored: its own id, its position, the links, and the bytes it hashes. */
export interface ChainedEntry {
  id: string | number;
  seq: number;
  prevHash: string;
  hash: string;
}

/** The first entry of a chain that does not hold, and why. */
export interface ChainFault {
  id: string;
  seq: number;
  reason: string;
}

/**
 * Walks a chain in order, one entry at a time (so a long chain is checked page by page):
 * each entry must sit at the next position, name the previous entry's hash, and hash to what
 * its own content gives. Returns the first fault; after one, the walk stops meaning anything.
 */
export class ChainWalker<E extends ChainedEntry> {
  private expectedSeq = 1;
  private previousHash = CHAIN_GENESIS;
  private previousId: string | undefined;
  count = 0;

  constructor(private readonly canonical: (entry: E) => string) {}

  get headHash(): string {
    return this.previousHash;
  }

  next(entry: E): ChainFault | undefined {
    const fault = (reason: string): ChainFault => ({ id: String(entry.id), seq: entry.seq, reason });
    if (entry.seq !== this.expectedSeq) {
      return fault(
        entry.seq > this.expectedSeq
          ? `position ${entry.seq} follows ${this.expectedSeq - 1}: ${entry.seq - this.expectedSeq} entr${entry.seq - this.expectedSeq === 1 ? 'y is' : 'ies are'} missing`
          : `position ${entry.seq} repeats or goes back (expected ${this.expectedSeq})`,
      );
    }
    if (sha256Hex(this.canonical(entry)) !== entry.hash) {
      return fault('its content does not match its hash (the entry was altered)');
    }
    if (entry.prevHash !== this.previousHash) {
      return fault(
        this.previousId === undefined
          ? 'the first entry does not start from the genesis hash'
          : `its prevHash is not the hash of the entry before it (${this.previousId})`,
      );
    }
    this.expectedSeq += 1;
    this.previousHash = entry.hash;
    this.previousId = String(entry.id);
    this.count += 1;
    return undefined;
  }
}
