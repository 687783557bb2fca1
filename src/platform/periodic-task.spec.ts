import { drainBatches } from './periodic-task';

/** A queue of due items that hands out at most `size` at a time. */
function dueItems(count: number, size: number) {
  const due = Array.from({ length: count }, (_, i) => i + 1);
  return async () => due.splice(0, size);
}

describe('drainBatches', () => {
  it('takes batches until a short one, reporting each, and counts every item', async () => {
    const reported: number[][] = [];
    expect(await drainBatches(2, dueItems(5, 2), (items) => reported.push(items))).toBe(5);
    expect(reported).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('reads once more after a full last batch, to see that nothing is left', async () => {
    const reported: number[][] = [];
    expect(await drainBatches(2, dueItems(4, 2), (items) => reported.push(items))).toBe(4);
    expect(reported).toEqual([[1, 2], [3, 4], []]);
  });

  it('fails as its batch does, leaving the retry to the next run', async () => {
    const failing = () => Promise.reject(new Error('connection terminated'));
    await expect(drainBatches(2, failing, () => undefined)).rejects.toThrow('connection terminated');
  });
});
