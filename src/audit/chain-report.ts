import { ChainWalker, type ChainFault, type ChainedEntry } from './hash-chain';

/** What GET /audit/verify and GET /incidents/{id}/verify answer. */
export type ChainReport =
  | { intact: true; entries: number; headHash: string }
  | { intact: false; entries: number; firstBroken: ChainFault };

/** Entries read per query while verifying: a chain of any length is held one page at a time. */
export const VERIFY_PAGE = 2000;

/**
 * Verifies a chain by reading it in pages ordered by position (`readPage(afterSeq, limit)`),
 * recomputing every hash and link. `entries` counts the entries that held before any fault.
 */
export async function verifyChain<E extends ChainedEntry>(
  readPage: (afterSeq: number, limit: number) => Promise<E[]>,
  canonical: (entry: E) => string,
): Promise<ChainReport> {
  const walker = new ChainWalker<E>(canonical);
  let after = 0;
  for (;;) {
    const page = await readPage(after, VERIFY_PAGE);
    for (const entry of page) {
      const fault = walker.next(entry);
      if (fault) return { intact: false, entries: walker.count, firstBroken: fault };
    }
    if (page.length < VERIFY_PAGE) return { intact: true, entries: walker.count, headHash: walker.headHash };
    after = page[page.length - 1].seq;
  }
}
