/**
 * Events are stored in partitions by arrival (`received_at`) and read by event time
 * (`occurred_at`). Ingest refuses an event time more than `maxFutureMs` ahead of its arrival or
 * more than `maxLatenessMs` behind it, so an event that occurred in [from, to] arrived in
 * [from − maxFuture, to + maxLateness]: the range a query by event time adds, so that only the
 * partitions it needs are read. Events stored before the bounds held (`boundedSince`) may be any
 * distance from their arrival: a query keeps every one of them.
 */
export interface EventTimeBounds {
  maxFutureMs: number;
  maxLatenessMs: number;
  boundedSince: Date;
}

/** Slack on each side for the moment between taking a message off MQTT and checking its time. */
export const ARRIVAL_SLACK_MS = 60 * 60_000;

export interface ArrivalWindow {
  /** Arrived at or after this (unset: no lower bound). */
  from?: Date;
  /** Arrived at or before this (unset: no upper bound). */
  to?: Date;
  /** Events that arrived before this are read whatever the window says. */
  boundedSince: Date;
}

/**
 * The arrival window of the events that occurred in [from, to] (either end open), or undefined
 * when neither end is given (nothing to narrow).
 */
export function arrivalWindow(
  bounds: EventTimeBounds,
  occurred: { from?: Date; to?: Date },
): ArrivalWindow | undefined {
  if (!occurred.from && !occurred.to) return undefined;
  return {
    from: occurred.from && new Date(occurred.from.getTime() - bounds.maxFutureMs - ARRIVAL_SLACK_MS),
    to: occurred.to && new Date(occurred.to.getTime() + bounds.maxLatenessMs + ARRIVAL_SLACK_MS),
    boundedSince: bounds.boundedSince,
  };
}

/** The earlier of two optional times (an event-time upper bound from `to` and from a page cursor). */
export function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
