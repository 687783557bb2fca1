import type { Principal } from 'src/auth/principal';
import type { LiveMessage, LogGap } from './live-log';
import { SocketFeed, type FeedSocket } from './socket-feed';

const operator: Principal = { userId: 'u1', username: 'ada', role: 'operator', siteIds: ['kolwezi-1'] };

function message(siteId: string, seq: number): LiveMessage {
  return { siteId, seq, type: 'updated', incident: { id: `i-${seq}`, siteId } as LiveMessage['incident'] };
}

/**
 * A socket that records what it is sent, and a log holding the given messages (what retention
 * dropped is simply not there) whose site has drawn numbers up to `lastSeq`.
 */
function feedWith(
  logged: LiveMessage[],
  positions: [string, number][] = [['kolwezi-1', 2]],
  {
    lastSeq = Math.max(0, ...logged.map((m) => m.seq)),
    snapshotSeq = lastSeq,
    failReads = 0,
  }: { lastSeq?: number; snapshotSeq?: number; failReads?: number } = {},
) {
  const sent: number[] = [];
  const events: string[] = [];
  const socket = {
    id: 's1',
    connected: true,
    emit: (
      event: string,
      m: { seq?: number; after?: number; retainedFrom?: number; continueFrom?: number; reason?: string },
    ) => {
      if (event === 'incident') sent.push(m.seq!);
      events.push(
        event === 'incident'
          ? String(m.seq)
          : event === 'gap'
            ? m.reason === 'ahead'
              ? `gap ahead of ${m.after} from ${m.continueFrom}`
              : `gap ${m.after}..${m.retainedFrom} from ${m.continueFrom}`
            : `snapshot ${m.seq}`,
      );
      return true;
    },
  };
  let failures = failReads;
  const log = {
    after: async (siteId: string, afterSeq: number, limit: number) => {
      if (failures-- > 0) throw new Error('connection terminated');
      return logged.filter((m) => m.siteId === siteId && m.seq > afterSeq).slice(0, limit);
    },
    gapAfter: async (siteId: string, afterSeq: number): Promise<LogGap | undefined> => {
      if (lastSeq < afterSeq) return { reason: 'ahead' };
      if (lastSeq === afterSeq) return undefined;
      const next = logged.find((m) => m.siteId === siteId && m.seq > afterSeq);
      const retainedFrom = next ? next.seq : lastSeq + 1;
      return retainedFrom > afterSeq + 1 ? { reason: 'retention', retainedFrom } : undefined;
    },
  };
  const snapshots = { read: async (siteId: string) => ({ siteId, seq: snapshotSeq, incidents: [] }) };
  const feed = new SocketFeed(
    socket as FeedSocket,
    operator,
    log,
    snapshots,
    new Map(positions),
    60_000,
    () => undefined,
  );
  return { feed, sent, events };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => message('kolwezi-1', from + i));

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SocketFeed.takeInStep', () => {
  it('takes messages that simply come next, once the socket is past its resume gate', () => {
    const { feed } = feedWith([]);
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 3)])).toBe(false); // gate still closed
    feed.resume({});
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 3), message('kolwezi-1', 4)])).toBe(true);
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 5)])).toBe(true);
  });

  it('leaves to the queue what skips a number, and what the socket may not see', () => {
    const { feed } = feedWith([]);
    feed.resume({});
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 5)])).toBe(false);
    expect(feed.takeInStep('tarkwa-2', [message('tarkwa-2', 1)])).toBe(false);
  });

  it('does not overtake a catch-up in progress: the queue sends everything in order', async () => {
    const logged = [1, 2, 3, 4].map((seq) => message('kolwezi-1', seq));
    const { feed, sent } = feedWith(logged);
    feed.resume({ 'kolwezi-1': 0 }); // replays 1..4 from the log, through the queue
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 3)])).toBe(false);
    feed.deliver('kolwezi-1', [message('kolwezi-1', 5)]);
    await settle();
    await settle();
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 6)])).toBe(true);
  });
});

/** Settles until the feed's queue has run out (each step awaits a few promises). */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await settle();
}

describe('SocketFeed behind the retained log', () => {
  it('resumes in order when the log still holds everything after the resume point', async () => {
    const { feed, events } = feedWith(range(1, 6));
    feed.resume({ 'kolwezi-1': 2 });
    await drain();
    expect(events).toEqual(['3', '4', '5', '6']);
  });

  it('tells a client resuming from before the retained log: gap, snapshot, then the rest', async () => {
    // 1..4 dropped; the snapshot was read at 7, and 8 and 9 were committed after it.
    const { feed, events } = feedWith(range(5, 9), undefined, { snapshotSeq: 7 });
    feed.resume({ 'kolwezi-1': 2 });
    await drain();
    expect(events).toEqual(['gap 2..5 from 7', 'snapshot 7', '8', '9']);
    expect(feed.takeInStep('kolwezi-1', [message('kolwezi-1', 10)])).toBe(true);
  });

  it('says so when nothing of the site is kept after the resume point', async () => {
    const { feed, events } = feedWith([], undefined, { lastSeq: 5 });
    feed.resume({ 'kolwezi-1': 2 });
    await drain();
    expect(events).toEqual(['gap 2..6 from 5', 'snapshot 5']);
  });

  it('never skips live messages silently when the log lacks the ones before them', async () => {
    // The socket stands at 2; 3..6 are gone; 7 arrives live: it must not be held back for
    // ever (nor dropped) waiting for numbers the log cannot give.
    const { feed, events } = feedWith(range(7, 8));
    feed.resume({});
    feed.deliver('kolwezi-1', [message('kolwezi-1', 7)]);
    await drain();
    expect(events).toEqual(['gap 2..7 from 8', 'snapshot 8']);
    feed.deliver('kolwezi-1', [message('kolwezi-1', 8)]); // already in the snapshot
    feed.deliver('kolwezi-1', [message('kolwezi-1', 9)]);
    await drain();
    expect(events).toEqual(['gap 2..7 from 8', 'snapshot 8', '9']);
  });

  it('reads the rest of a live run the log has a hole in, rather than dropping it', async () => {
    const logged = [...range(3, 4), ...range(7, 9)]; // 5 and 6 gone
    const { feed, events } = feedWith(logged, undefined, { snapshotSeq: 8 });
    feed.resume({});
    feed.deliver('kolwezi-1', [message('kolwezi-1', 9)]);
    await drain();
    expect(events).toEqual(['3', '4', 'gap 4..7 from 8', 'snapshot 8', '9']);
  });

  it('tries again a catch-up whose read failed (the database away), and misses nothing', async () => {
    const { feed, events } = feedWith(range(1, 5), undefined, { failReads: 1 });
    feed.resume({ 'kolwezi-1': 2 });
    await drain();
    expect(events).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await drain();
    expect(events).toEqual(['3', '4', '5']);
    feed.close();
  });
});

describe('SocketFeed ahead of the site', () => {
  it('tells a client resuming after a seq the site has not reached: gap, snapshot, then on from the site', async () => {
    // The database was restored to seq 4; the client had applied up to 9.
    const { feed, events } = feedWith(range(1, 4), [['kolwezi-1', 4]]);
    feed.resume({ 'kolwezi-1': 9 });
    await drain();
    expect(events).toEqual(['gap ahead of 9 from 4', 'snapshot 4']);
    feed.deliver('kolwezi-1', [message('kolwezi-1', 5)]);
    await drain();
    expect(events).toEqual(['gap ahead of 9 from 4', 'snapshot 4', '5']);
  });

  it('answers the same for a site with no message yet', async () => {
    const { feed, events } = feedWith([], []);
    feed.resume({ 'kolwezi-1': 3 });
    await drain();
    expect(events).toEqual(['gap ahead of 3 from 0', 'snapshot 0']);
  });

  it("resumes a client at the site's last seq with nothing", async () => {
    const { feed, events } = feedWith(range(1, 4), [['kolwezi-1', 4]]);
    feed.resume({ 'kolwezi-1': 4 });
    await drain();
    expect(events).toEqual([]);
  });
});
