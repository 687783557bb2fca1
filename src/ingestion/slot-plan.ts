/**
 * Ingest slots: with a shared group, the stream is split between a fixed set of MQTT sessions
 * (slots, numbered 1..N, each a client id of its own), not between the instances. Each slot is
 * run by whichever live instance holds its lease; a dead instance's slots are taken over by the
 * others, so no share of the stream waits in a session nobody reads. This file is the pure part:
 * the names and who should run how many.
 */

/** The persistent-session client id of slot n of a shared group: the same on every instance. */
export function slotClientId(group: string, slot: number): string {
  return `oreguard-${group}-slot-${slot}`;
}

/** The most slots one instance should run while `members` instances are alive (at least one: itself). */
export function fairShare(slots: number, members: number): number {
  return Math.ceil(slots / Math.max(1, members));
}

/** The fewest slots one instance runs once the slots are balanced (0 when there are more instances than slots). */
export function leastShare(slots: number, members: number): number {
  return Math.floor(slots / Math.max(1, members));
}

export interface SlotView {
  /** How many slots the group has (numbered 1..slots). */
  slots: number;
  /** Live instances of the group, this one included. */
  members: number;
  /** The slots this instance runs. */
  mine: readonly number[];
  /** Slots some instance runs (this one included). */
  held: ReadonlySet<number>;
}

export interface SlotPlan {
  /** Free slots to try to take, lowest first (another instance may take one first). */
  take: number[];
  /** Slots to hand back (gracefully) because this instance runs more than its share. */
  release: number[];
  /** Whether this instance runs its share and no slot is waiting for it. */
  settled: boolean;
}

/**
 * What this instance should do next: take free slots up to its fair share, hand back what it
 * holds beyond it (its highest-numbered ones). Every instance keeping to ceil(N/members)
 * leaves room for all N slots, so no slot stays free for long, and a newly started instance
 * gets slots once the others have handed back their surplus.
 */
export function planSlots({ slots, members, mine, held }: SlotView): SlotPlan {
  const share = fairShare(slots, members);
  if (mine.length > share) {
    const release = [...mine].sort((a, b) => b - a).slice(0, mine.length - share);
    return { take: [], release, settled: false };
  }
  const free: number[] = [];
  for (let slot = 1; slot <= slots; slot++) if (!held.has(slot)) free.push(slot);
  const take = free.slice(0, share - mine.length);
  return { take, release: [], settled: take.length === 0 && mine.length >= leastShare(slots, members) };
}
