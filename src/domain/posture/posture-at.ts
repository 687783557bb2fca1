import type { PostureLevel } from './posture-level';
import { maxPosture } from './posture-level';

/** One interval of a site's history: the level its leads set, from `validFrom` until replaced (`validTo`) or expired. */
export interface PostureEntry {
  id: string;
  level: PostureLevel;
  validFrom: Date;
  /** When the next change replaced it; null while it is the latest. */
  validTo: Date | null;
  expiresAt: Date | null;
}

/** An admin's minimum for a region or the whole company, over the same kind of interval. */
export interface PostureFloor {
  id: string;
  level: PostureLevel;
  /** The region it covers; null for the whole company. */
  region: string | null;
  validFrom: Date;
  validTo: Date | null;
  expiresAt: Date | null;
}

export interface PostureInForce {
  /** What everything uses: the higher of the site's own level and the floor. */
  level: PostureLevel;
  own: PostureLevel;
  floor: PostureLevel;
  entry: PostureEntry | null;
  /** The highest floor in force over the site, if any. */
  floorEntry: PostureFloor | null;
}

function inForce(interval: { validFrom: Date; validTo: Date | null; expiresAt: Date | null }, time: Date): boolean {
  const t = time.getTime();
  if (interval.validFrom.getTime() > t) return false;
  if (interval.validTo && interval.validTo.getTime() <= t) return false;
  return !(interval.expiresAt && interval.expiresAt.getTime() <= t);
}

/**
 * The posture in force at a site at `time`, from its history and the floors over it (those of
 * its region and the company's). Past its expiry an entry no longer counts, whether or not
 * anyone has recorded the expiry yet: the site returns to its floor, or `normal`. The same
 * history gives the same answer tomorrow, so a backtest that asks at each event's time is
 * reproducible.
 */
export function postureAt(
  history: readonly PostureEntry[],
  floors: readonly PostureFloor[],
  time: Date,
): PostureInForce {
  let entry: PostureEntry | null = null;
  for (const e of history) if (inForce(e, time) && (!entry || e.validFrom >= entry.validFrom)) entry = e;
  let floorEntry: PostureFloor | null = null;
  for (const f of floors) {
    if (inForce(f, time) && (!floorEntry || maxPosture(f.level, floorEntry.level) !== floorEntry.level)) floorEntry = f;
  }
  const own = entry?.level ?? 'normal';
  const floor = floorEntry?.level ?? 'normal';
  return { level: maxPosture(own, floor), own, floor, entry, floorEntry };
}

/** What a site's posture has been: its entries and the floors over it. */
export interface SitePostureHistory {
  entries: readonly PostureEntry[];
  floors: readonly PostureFloor[];
}

/** The level in force at `time` for a site with this history (none: it has never been anything but normal). */
export function levelAt(history: SitePostureHistory | undefined, time: Date): PostureLevel {
  return history ? postureAt(history.entries, history.floors, time).level : 'normal';
}
