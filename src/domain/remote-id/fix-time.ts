const HOUR_MS = 3_600_000;

/**
 * A Location message gives its time only as tenths of a second after the full hour (UTC).
 * The fix was taken at the instant with that offset nearest to when the receiver heard it:
 * in the receiver's hour, the one before, or the one after (a fix from 13:59:59.8 heard at
 * 14:00:00.3 belongs to 13:00, not 14:00). Exactly half an hour either way resolves to the earlier.
 */
export function fixTimeNear(receivedAt: Date, tenthsAfterHour: number): Date {
  const heard = receivedAt.getTime();
  const hourStart = Math.floor(heard / HOUR_MS) * HOUR_MS;
  const offset = tenthsAfterHour * 100;
  let best = hourStart - HOUR_MS + offset;
  for (const candidate of [hourStart + offset, hourStart + HOUR_MS + offset]) {
    if (Math.abs(candidate - heard) < Math.abs(best - heard)) best = candidate;
  }
  return new Date(best);
}
