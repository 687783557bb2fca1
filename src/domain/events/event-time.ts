/**
 * ISO 8601 date-time with seconds and a zone offset: `Z`, `±HH:MM` or `±HHMM`, and an optional
 * fraction of 1 to 9 digits. Covers the canonical `occurredAt` and Suricata's
 * `2026-11-29T03:12:44.120345+0100`.
 */
export const EVENT_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/** The instant, to the millisecond (extra digits truncated), or null when the text is not such a time. */
export function parseEventTime(text: string): Date | null {
  const match = EVENT_TIME_PATTERN.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, millis);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

/** Why `parseEventTime` refused the text, as the tail of a rejection reason. */
export function explainBadEventTime(text: string, shown: string): string {
  return EVENT_TIME_PATTERN.test(text)
    ? `${shown} is not a real date and time`
    : `${shown} is not an ISO 8601 time with a zone offset`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
