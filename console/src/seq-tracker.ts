/** What to do with a live message, given the last seq applied of its site. */
export type SeqVerdict = { kind: 'apply' } | { kind: 'repeat' } | { kind: 'gap'; from: number; to: number };

/**
 * The last `seq` applied per site (contract §2: 1, 2, 3, … per site, no gap, no reordering).
 * A message at or below it is a repeat (dropped: never applied twice); one past the next is a
 * gap (not taken: the caller tries to fill it, or gives up and moves on). A site never seen takes any
 * seq as its start: the console follows it from where the stream stood when it connected.
 */
export class SeqTracker {
  private readonly applied = new Map<string, number>();

  /** A gap is not taken: the tracker stays at the last applied until moveTo (or the missing seq). */
  accept(siteId: string, seq: number): SeqVerdict {
    const last = this.applied.get(siteId);
    if (last !== undefined && seq <= last) return { kind: 'repeat' };
    if (last !== undefined && seq > last + 1) return { kind: 'gap', from: last + 1, to: seq - 1 };
    this.applied.set(siteId, seq);
    return { kind: 'apply' };
  }

  /** Goes on from `seq` (a gap accepted as such, or a snapshot taken at it). */
  moveTo(siteId: string, seq: number): void {
    this.applied.set(siteId, seq);
  }

  last(siteId: string): number {
    return this.applied.get(siteId) ?? 0;
  }

  /** The seq that comes next; any seq for a site never seen. */
  next(siteId: string): number {
    const last = this.applied.get(siteId);
    return last === undefined ? Number.NaN : last + 1;
  }

  has(siteId: string): boolean {
    return this.applied.has(siteId);
  }

  /** What to send in `resume`: `{ after: { site: lastSeq } }` for every site followed. */
  resumeAfter(): Record<string, number> {
    return Object.fromEntries(this.applied);
  }
}
