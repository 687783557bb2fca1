import { bindEvents, BOUND_EVENTS_PER_ENTRY, type BoundEvent } from './event-binding';
import type { TimelineEntry } from './incident.repository';

const at = new Date('2026-11-29T02:12:45.000Z');
const INCIDENT = '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11';

function events(n: number): Map<number, BoundEvent> {
  return new Map(
    Array.from({ length: n }, (_, i) => [
      i + 1,
      {
        id: i + 1,
        eventId: `e-${i + 1}`,
        siteId: 'tarkwa-2',
        gatewayId: 'gw-1',
        payloadSha256: String(i + 1).padStart(64, '0'),
      },
    ]),
  );
}

const entry = (action: string, details: object = {}): TimelineEntry => ({
  incidentId: INCIDENT,
  at,
  actor: 'system',
  action,
  details,
});

describe('binding the events an incident change adds into its timeline', () => {
  it('records each event and its payload hash in the entry that says they joined', () => {
    const bound = events(2);
    const out = bindEvents(
      [entry('opened', { eventIds: [1, 2], eventCount: 2 }), entry('escalated')],
      0,
      [1, 2],
      bound,
    );
    expect(out).toEqual([
      entry('opened', { eventIds: [1, 2], eventCount: 2, events: [bound.get(1), bound.get(2)] }),
      entry('escalated'),
    ]);
  });

  it('binds every event of a large fold, the rest in continuation entries right after the first', () => {
    const n = 2 * BOUND_EVENTS_PER_ENTRY + 5;
    const ids = [...events(n).keys()];
    const out = bindEvents([entry('events-joined', { eventCount: n }), entry('track')], 0, ids, events(n));
    expect(
      out.map((e) => [
        e.action,
        (e.details as { events?: unknown[] }).events?.length,
        (e.details as { continued?: boolean }).continued,
      ]),
    ).toEqual([
      ['events-joined', BOUND_EVENTS_PER_ENTRY, undefined],
      ['events-joined', BOUND_EVENTS_PER_ENTRY, true],
      ['events-joined', 5, true],
      ['track', undefined, undefined],
    ]);
    const all = out.flatMap((e) => (e.details as { events?: BoundEvent[] }).events ?? []).map((b) => b.id);
    expect(all).toEqual(ids);
  });

  it('refuses to leave out an event it has no payload hash for', () => {
    expect(() => bindEvents([entry('opened')], 0, [1, 3], events(2))).toThrow(
      'event 3 joins an incident but was not read with its payload hash',
    );
  });
});
