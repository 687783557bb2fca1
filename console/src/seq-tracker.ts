/** What to do with a live message, given the last seq applied of its site. */
export type SeqVerdict = { kind: 'apply' } | { kind: 'repeat' } | { kind: 'gap'; from: number; to: number };

/**
 * The last `seq` applied per site (contract §2: 1, 2, 3, … per site, no gap, no reordering).
 * A message at or below it is a repeat (dropped: never applied twice); one past the next is a
 * gap (applied, and the messages in between reported as missed). A site never seen takes any
 * seq as its start: the console follows it from where the stream stood when it connected.
 */
export class SeqTracker {
  private readonly last = new Map<string, number>();

  accept(siteId: string, seq: number): SeqVerdict {
    const last = this.last.get(siteId);
    if (last !== undefined && seq <= last) return { kind: 'repeat' };
    this.last.set(siteId, seq);
    if (last !== undefined && seq > last + 1) return { kind: 'gap', from: last + 1, to: seq - 1 };
    return { kind: 'apply' };
  }

  has(siteId: string): boolean {
    return this.last.has(siteId);
  }

  /** What to send in `resume`: `{ after: { site: lastSeq } }` for every site followed. */
  resumeAfter(): Record<string, number> {
    return Object.fromEntries(this.last);
  }
}
