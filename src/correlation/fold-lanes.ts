/**
 * How one instance runs its folds: in a few lanes, each lane owning a share of the sites (by
 * a hash of the site id) and running one fold at a time. Fold jobs that arrive while their
 * lane is busy wait for the next round, and that round folds all of their events together.
 *
 * Why: folds of one site serialise on that site's locks anyway. Letting every job start its
 * own transaction made jobs queue up behind each other's locks (a convoy), each waiting for
 * all the ones before it; a lane instead takes what waits as one round, so an event waits
 * for at most the round in progress and its own. Lanes own disjoint sites, so they never
 * wait for each other inside an instance; the database locks still keep instances apart.
 */
/** Folds the events (of the given sites) in one transaction. */
export type FoldRound = (eventIds: number[], siteIds: string[]) => Promise<void>;

export class FoldLanes {
  private readonly lanes: CoalescingLane[];

  constructor(count: number, fold: FoldRound) {
    this.lanes = Array.from({ length: Math.max(1, count) }, () => new CoalescingLane(fold));
  }

  /** Folds the events, given by site; resolves once every one of them is in a committed round. */
  async fold(eventsBySite: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const byLane = new Map<CoalescingLane, { eventIds: number[]; siteIds: string[] }>();
    for (const [siteId, ids] of eventsBySite) {
      const lane = this.lanes[laneOf(siteId, this.lanes.length)];
      const share = byLane.get(lane) ?? { eventIds: [], siteIds: [] };
      share.eventIds.push(...ids);
      share.siteIds.push(siteId);
      byLane.set(lane, share);
    }
    await Promise.all([...byLane].map(([lane, share]) => lane.submit(share.eventIds, share.siteIds)));
  }

  /** Events submitted and not yet folded (or failed), over all lanes. */
  get pendingEvents(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.pendingEvents, 0);
  }
}

/** A stable lane for a site: FNV-1a of its id. */
export function laneOf(siteId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < siteId.length; i++) {
    hash ^= siteId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}

interface Submission {
  eventIds: number[];
  siteIds: string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Runs one fold at a time; what is submitted meanwhile becomes the next round. If a round of
 * several submissions fails, each is folded again on its own, so one bad submission fails
 * only itself (and its job retries) instead of every job that shared its round.
 */
class CoalescingLane {
  private waiting: Submission[] = [];
  private running = false;
  pendingEvents = 0;

  constructor(private readonly fold: FoldRound) {}

  submit(eventIds: number[], siteIds: string[]): Promise<void> {
    this.pendingEvents += eventIds.length;
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.push({ eventIds, siteIds, resolve, reject });
      if (!this.running) void this.drain();
    });
    return done.finally(() => (this.pendingEvents -= eventIds.length));
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const round = this.waiting;
      this.waiting = [];
      await this.runRound(round);
    }
    this.running = false;
  }

  private async runRound(round: Submission[]): Promise<void> {
    try {
      await this.fold([...new Set(round.flatMap((s) => s.eventIds))], [...new Set(round.flatMap((s) => s.siteIds))]);
      for (const s of round) s.resolve();
    } catch (error) {
      if (round.length === 1) return round[0].reject(error);
      for (const s of round) {
        await this.fold(s.eventIds, s.siteIds).then(s.resolve, s.reject);
      }
    }
  }
}
