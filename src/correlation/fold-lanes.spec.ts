import { FoldLanes, laneOf } from './fold-lanes';

/** A fold that records its rounds and finishes when the test says so. */
function controlledFold() {
  const rounds: number[][] = [];
  const finishers: Array<(error?: Error) => void> = [];
  const fold = (ids: number[]) =>
    new Promise<void>((resolve, reject) => {
      rounds.push([...ids].sort((a, b) => a - b));
      finishers.push((error) => (error ? reject(error) : resolve()));
    });
  const finishNext = async (error?: Error) => {
    await new Promise((r) => setImmediate(r));
    finishers.shift()!(error);
    await new Promise((r) => setImmediate(r));
  };
  return { rounds, fold, finishNext };
}

describe('FoldLanes', () => {
  it('folds what arrives during a round as one next round', async () => {
    const f = controlledFold();
    const lanes = new FoldLanes(1, f.fold);
    const first = lanes.fold(new Map([['a', [1]]]));
    const second = lanes.fold(new Map([['b', [2, 3]]]));
    const third = lanes.fold(new Map([['c', [4]]]));
    await f.finishNext();
    await first;
    await f.finishNext();
    await Promise.all([second, third]);
    expect(f.rounds).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps sites of different lanes in separate, concurrent rounds', async () => {
    const f = controlledFold();
    const lanes = new FoldLanes(8, f.fold);
    const sites = ['mine-01', 'mine-02', 'mine-03', 'mine-04'].filter(
      (s, i, all) => all.findIndex((o) => laneOf(o, 8) === laneOf(s, 8)) === i,
    );
    expect(sites.length).toBeGreaterThan(1);
    const done = lanes.fold(new Map(sites.map((s, i) => [s, [i + 1]])));
    await new Promise((r) => setImmediate(r));
    expect(f.rounds).toHaveLength(sites.length); // all started before any finished
    for (let i = 0; i < sites.length; i++) await f.finishNext();
    await done;
  });

  it('when a shared round fails, folds each submission alone so only the bad one fails', async () => {
    const calls: number[][] = [];
    const lanes = new FoldLanes(1, async (ids) => {
      calls.push([...ids].sort((a, b) => a - b));
      await new Promise((r) => setImmediate(r));
      if (ids.includes(13)) throw new Error('event 13 cannot be folded');
    });
    const blocker = lanes.fold(new Map([['a', [1]]]));
    const good = lanes.fold(new Map([['a', [2]]]));
    const bad = lanes.fold(new Map([['a', [13]]]));
    await blocker;
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('event 13');
    expect(calls).toEqual([[1], [2, 13], [2], [13]]);
  });

  it('tells each round its sites, and counts the events not folded yet', async () => {
    const f = controlledFold();
    const sitesSeen: string[][] = [];
    const lanes = new FoldLanes(1, (ids, siteIds) => {
      sitesSeen.push([...siteIds].sort());
      return f.fold(ids);
    });
    const first = lanes.fold(new Map([['a', [1, 2]]]));
    const second = lanes.fold(
      new Map([
        ['b', [3]],
        ['c', [4]],
      ]),
    );
    expect(lanes.pendingEvents).toBe(4);
    await f.finishNext();
    await first;
    expect(lanes.pendingEvents).toBe(2);
    await f.finishNext();
    await second;
    expect(lanes.pendingEvents).toBe(0);
    expect(sitesSeen).toEqual([['a'], ['b', 'c']]);
  });

  it('gives a site the same lane every time, spread over the lanes', () => {
    expect(laneOf('kolwezi-1', 4)).toBe(laneOf('kolwezi-1', 4));
    const used = new Set(Array.from({ length: 40 }, (_, i) => laneOf(`mine-${i}`, 4)));
    expect(used.size).toBe(4);
  });
});
