/**
 * The scenario's own clock: instants are `origin + at`, written as the site's gateways would
 * write them (canonical events in the site's local offset, Suricata in UTC `+0000` with
 * microseconds, Remote ID Locations as tenths of a second after the hour).
 *
 * `storyOrigin` is when the story says it happens (a night scenario at 02:10 local), for the
 * narrative only: event times are played from `origin`, in the present, so that OreGuard takes
 * them as live events rather than late ones.
 */
export class ScenarioClock {
  constructor(
    readonly origin: Date,
    readonly timeZone: string,
    readonly storyOrigin: Date = origin,
  ) {}

  /** The story's local time of day at scenario time `at`: `02:14:05`. */
  story(at: number): string {
    return formatInZone(new Date(this.storyOrigin.getTime() + at), this.timeZone).slice(11, 19);
  }

  instant(at: number): Date {
    return new Date(this.origin.getTime() + at);
  }

  /** `2026-11-29T02:14:05.120+02:00`: how a gateway in the site's zone writes occurredAt. */
  local(at: number): string {
    return formatInZone(this.instant(at), this.timeZone);
  }

  /** `2026-11-29T00:14:05.120345+0000`: how Suricata writes `timestamp` (we add microseconds). */
  suricata(at: number, micros = 0): string {
    const iso = this.instant(at).toISOString(); // …T00:14:05.120Z
    return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}+0000`;
  }

  /** A Remote ID Location's timestamp: tenths of a second after the full hour, UTC. */
  tenthsAfterHour(at: number): number {
    const t = this.instant(at);
    return (t.getUTCMinutes() * 60 + t.getUTCSeconds()) * 10 + Math.floor(t.getUTCMilliseconds() / 100);
  }
}

/** Minutes east of UTC of the zone at that instant (from Intl, so no time-zone library is needed). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

export function formatInZone(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 23);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The local hour and minute, as minutes after local midnight. */
export function localMinuteOfDay(instant: Date, timeZone: string): number {
  const local = new Date(instant.getTime() + zoneOffsetMinutes(instant, timeZone) * 60_000);
  return local.getUTCHours() * 60 + local.getUTCMinutes();
}

const NIGHT_START = 20 * 60; // 20:00
const NIGHT_END = 4 * 60; // 04:00
const NIGHT_PLACE = 2 * 60 + 10; // 02:10, when a night scenario is moved to last night

/**
 * Where a scenario's events start, unless --at says otherwise. They must never be in the future
 * when published (OreGuard refuses events more than 5 minutes ahead), and played `speed` times
 * faster the story runs ahead of the wall clock, so it starts `durationMs × (1 − 1/speed)` before
 * now: at speed 1 it is live, faster it is a recent replay whose last event is about now.
 */
export function playOrigin(durationMs: number, speed: number, now: Date): Date {
  return new Date(now.getTime() - Math.ceil(durationMs * (1 - 1 / speed)));
}

/**
 * When the story happens, for the narrative: played from `origin`, a `night` scenario that would
 * not fall between 20:00 and 04:00 local is told at the previous 02:10 local. Only the story's
 * clock moves; its events keep their times in the present.
 */
export function storyOrigin(when: 'recent' | 'night', durationMs: number, origin: Date, timeZone: string): Date {
  return scenarioOrigin(when, durationMs, 1, origin, timeZone);
}

/** The story's origin for a scenario started at `now` (see storyOrigin). */
export function scenarioOrigin(
  when: 'recent' | 'night',
  durationMs: number,
  speed: number,
  now: Date,
  timeZone: string,
): Date {
  const recent = new Date(now.getTime() - Math.ceil(durationMs * (1 - 1 / speed)));
  if (when === 'recent') return recent;
  const startMinute = localMinuteOfDay(recent, timeZone);
  const endMinute = localMinuteOfDay(new Date(recent.getTime() + durationMs), timeZone);
  const atNight = (m: number) => m >= NIGHT_START || m < NIGHT_END;
  if (atNight(startMinute) && atNight(endMinute)) return recent;
  // Back to 02:10 local on the day `recent` falls on (or the day before, if that is still ahead).
  let minutesBack = startMinute - NIGHT_PLACE;
  if (minutesBack < 0) minutesBack += 24 * 60;
  const seconds = recent.getUTCSeconds() * 1000 + recent.getUTCMilliseconds();
  return new Date(recent.getTime() - minutesBack * 60_000 - seconds);
}
