import type { Kind } from '../events/canonical-event.schema';
import type { AuthorizedDrone, MatchValue, Silence } from './silence';
import { inWeeklyWindow } from './weekly-window';

/** What the matcher needs of a stored event. `details` is its kind object (`drone`, `cyber` or `theft`). */
export interface HoldableEvent {
  siteId: string;
  sensorId: string;
  kind: Kind;
  zone?: string;
  occurredAt: Date;
  details: Record<string, unknown>;
}

export type Hold = { by: 'silence'; id: string } | { by: 'authorized-drone'; id: string };

/** What a site holds back, with the site's IANA time zone (weekly windows run on its clock). */
export interface SiteHolds {
  timeZone: string;
  silences: readonly Silence[];
  authorizedDrones: readonly AuthorizedDrone[];
}

/**
 * Which entry holds the event back, or undefined if none does. Judged at the event's own time
 * (`occurredAt`), so an event that arrives late is silenced by the window it happened in. The
 * allowlist is asked first: a drone known to be the company's own is not an alert at all.
 */
export function heldBack(event: HoldableEvent, holds: SiteHolds): Hold | undefined {
  if (event.kind === 'drone') {
    const uasId = event.details.uasId;
    const drone =
      typeof uasId === 'string' && holds.authorizedDrones.find((d) => d.siteId === event.siteId && d.uasId === uasId);
    if (drone) return { by: 'authorized-drone', id: drone.id };
  }
  const silence = holds.silences.find((s) => silenceMatches(s, event, holds.timeZone));
  return silence ? { by: 'silence', id: silence.id } : undefined;
}

export function silenceMatches(silence: Silence, event: HoldableEvent, timeZone: string): boolean {
  if (silence.siteId !== event.siteId) return false;
  if (silence.zone !== undefined && silence.zone !== event.zone) return false;
  if (silence.sensorId !== undefined && silence.sensorId !== event.sensorId) return false;
  if (silence.kind !== undefined && silence.kind !== event.kind) return false;
  for (const [path, wanted] of Object.entries(silence.match ?? {})) {
    if (!fieldMatches(event, path, wanted)) return false;
  }
  return silenceActiveAt(silence, event.occurredAt, timeZone);
}

/** Whether the silence's time applies at `at`: inside [startsAt, endsAt) and, if weekly, in its window. */
export function silenceActiveAt(
  silence: Pick<Silence, 'startsAt' | 'endsAt' | 'recurrence'>,
  at: Date,
  timeZone: string,
): boolean {
  if (silence.startsAt && at < silence.startsAt) return false;
  if (silence.endsAt && at >= silence.endsAt) return false;
  return silence.recurrence ? inWeeklyWindow(at, silence.recurrence, timeZone) : true;
}

function fieldMatches(event: HoldableEvent, path: string, wanted: MatchValue | readonly MatchValue[]): boolean {
  const [kind, ...fields] = path.split('.');
  if (kind !== event.kind) return false;
  let value: unknown = event.details;
  for (const field of fields) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<string, unknown>)[field];
  }
  const candidates = Array.isArray(wanted) ? wanted : [wanted];
  return candidates.some((c) => sameValue(value, c));
}

/**
 * Equal, or equal as text: a lead who writes `"2009358"` for a numeric Suricata signature id
 * means that signature; `true` matches `true` and `"true"`.
 */
function sameValue(actual: unknown, wanted: MatchValue): boolean {
  if (actual === undefined || actual === null || typeof actual === 'object') return false;
  return actual === wanted || String(actual) === String(wanted);
}
