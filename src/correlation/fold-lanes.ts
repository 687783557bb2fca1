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
export type FoldRound = (eventIds: number[]) => Promise<void>;

export class FoldLanes {
  private readonly lanes: CoalescingLane[];

  constructor(count: number, fold: FoldRound) {
    this.lanes = Array.from({ length: Math.max(1, count) }, () => new CoalescingLane(fold));
  }

  /** Folds the events, given by site; resolves once every one of them is in a committed round. */
  async fold(eventsBySite: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const byLane = new Map<CoalescingLane, number[]>();
    for (const [siteId, ids] of eventsBySite) {
      const lane = this.lanes[laneOf(siteId, this.lanes.length)];
      const list = byLane.get(lane) ?? [];
      list.push(...ids);
      byLane.set(lane, list);
    }
    await Promise.all([...byLane].map(([lane, ids]) => lane.submit(ids)));
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

  constructor(private readonly fold: FoldRound) {}

  submit(eventIds: number[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ eventIds, resolve, reject });
      if (!this.running) void this.drain();
    });
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
      await this.fold([...new Set(round.flatMap((s) => s.eventIds))]);
      for (const s of round) s.resolve();
    } catch (error) {
      if (round.length === 1) return round[0].reject(error);
      for (const s of round) {
        await this.fold(s.eventIds).then(s.resolve, s.reject);
      }
    }
  }
}
