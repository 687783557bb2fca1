import type { Principal } from 'src/auth/principal';
import type { LiveLogReader, LiveMessage } from './live-log';
import { SocketFeed } from './socket-feed';

const operator: Principal = { userId: 'u1', username: 'ada', role: 'operator', siteIds: ['kolwezi-1'] };

function message(siteId: string, seq: number): LiveMessage {
  return { siteId, seq, type: 'updated', incident: { id: `i-${seq}`, siteId } as LiveMessage['incident'] };
}

/** A socket that records what it is sent, and a log holding the given messages. */
function feedWith(logged: LiveMessage[], positions: [string, number][] = [['kolwezi-1', 2]]) {
  const sent: number[] = [];
  const socket = { id: 's1', connected: true, emit: (_: 'incident', m: LiveMessage) => sent.push(m.seq) };
  const log = {
    after: async (siteId: string, afterSeq: number, limit: number) =>
      logged.filter((m) => m.siteId === siteId && m.seq > afterSeq).slice(0, limit),
  } as unknown as LiveLogReader;
  const feed = new SocketFeed(socket, operator, log, new Map(positions), 60_000, () => undefined);
  return { feed, sent };
}

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
