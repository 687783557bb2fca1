import { cursorGone, partitionsDue, type RetentionDays, type TimePartition } from './retention-plan';

const day = (iso: string, table: TimePartition['table'] = 'events'): TimePartition => {
  const from = new Date(`${iso}T00:00:00Z`);
  return { table, name: `${table}_p${iso.replace(/-/g, '')}`, from, until: new Date(from.getTime() + 86_400_000) };
};
const KEEP: RetentionDays = { events: 30, live_messages: 7, rejected_events: 30, sensor_health_changes: null };

describe('partitionsDue', () => {
  const now = new Date('2026-12-05T10:00:00Z');

  it('takes a partition only once its whole span is older than its table keeps', () => {
    const due = partitionsDue([day('2026-11-04'), day('2026-11-05'), day('2026-11-06')], KEEP, now);
    // 2026-11-05 ends at 11-06 00:00, 29 days 10 hours ago: not yet.
    expect(due.map((p) => p.name)).toEqual(['events_p20261104']);
  });

  it('applies each table its own retention, and none to a table kept forever', () => {
    const due = partitionsDue(
      [
        day('2026-11-27', 'live_messages'),
        day('2026-11-28', 'live_messages'),
        day('2020-01-01', 'sensor_health_changes'),
        day('2026-11-01', 'rejected_events'),
      ],
      KEEP,
      now,
    );
    expect(due.map((p) => p.name)).toEqual(['rejected_events_p20261101', 'live_messages_p20261127']);
  });

  it('never takes the partition holding now, even with a retention of one day', () => {
    expect(partitionsDue([day('2026-12-05'), day('2026-12-04')], { ...KEEP, events: 1 }, now)).toEqual([]);
  });
});

describe('cursorGone', () => {
  const keptFrom = new Date('2026-11-01T00:00:00Z');

  it('is gone before the horizon, not at or after it, and never without one', () => {
    expect(cursorGone(new Date('2026-10-31T23:59:59.999Z'), keptFrom)).toBe(true);
    expect(cursorGone(keptFrom, keptFrom)).toBe(false);
    expect(cursorGone(new Date('2026-11-02T00:00:00Z'), keptFrom)).toBe(false);
    expect(cursorGone(new Date('1970-01-01T00:00:00Z'), undefined)).toBe(false);
  });
});
