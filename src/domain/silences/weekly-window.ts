import { z } from 'zod';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * A window that comes back every week, in the site's own wall-clock time: on each of `days`,
 * from `start` to `end`. An `end` at or before `start` passes midnight and ends the next day
 * (`fri 22:00–06:00` holds until Saturday 06:00).
 */
export const WeeklyRecurrenceSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'names a day twice'),
    start: z.string().regex(CLOCK_TIME, 'HH:MM, 00:00 to 23:59'),
    end: z.string().regex(CLOCK_TIME, 'HH:MM, 00:00 to 23:59'),
  })
  .refine((r) => r.start !== r.end, { path: ['end'], message: 'must differ from start' });
export type WeeklyRecurrence = z.infer<typeof WeeklyRecurrenceSchema>;

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** Formatters are costly to build and reused per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the zone is an IANA time zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Minutes since Monday 00:00 of the wall-clock time at `at` in `timeZone`. */
export function minuteOfWeek(at: Date, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS.indexOf(part('weekday').toLowerCase() as Weekday);
  return day * MINUTES_PER_DAY + Number(part('hour')) * 60 + Number(part('minute'));
}

function minutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/**
 * Whether `at` falls in the weekly window, judged by the site's wall clock: what the guard on
 * site would read. Across a DST change the window keeps its local hours (it is an hour longer
 * or shorter in UTC that night), which is what a lead writing "22:00 to 06:00" means.
 */
export function inWeeklyWindow(at: Date, recurrence: WeeklyRecurrence, timeZone: string): boolean {
  const now = minuteOfWeek(at, timeZone);
  const start = minutes(recurrence.start);
  const end = minutes(recurrence.end);
  const length = end > start ? end - start : end + MINUTES_PER_DAY - start;
  return recurrence.days.some((day) => {
    const opens = WEEKDAYS.indexOf(day) * MINUTES_PER_DAY + start;
    // Sunday's window passing midnight ends on Monday: compare modulo one week.
    const since = (now - opens + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    return since < length;
  });
}
