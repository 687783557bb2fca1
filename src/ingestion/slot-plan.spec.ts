import { fairShare, leastShare, planSlots, slotClientId } from './slot-plan';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ingest slots', () => {
  it('names each slot of a group the same on every instance', () => {
    expect(slotClientId('oreguard', 3)).toBe('oreguard-oreguard-slot-3');
    expect(slotClientId('kolwezi', 8)).toBe('oreguard-kolwezi-slot-8');
  });

  it('shares 8 slots 8, 4, 3 and 1 at a time between 1, 2, 3 and 9 instances', () => {
    expect([1, 2, 3, 9].map((members) => fairShare(8, members))).toEqual([8, 4, 3, 1]);
    expect([1, 2, 3, 9].map((members) => leastShare(8, members))).toEqual([8, 4, 2, 0]);
    expect(fairShare(8, 0)).toBe(8); // the instance asking counts itself
  });

  it('takes every slot when it is the only instance', () => {
    expect(planSlots({ slots: 8, members: 1, mine: [], held: new Set() })).toEqual({
      take: range(1, 8),
      release: [],
      settled: false,
    });
    expect(planSlots({ slots: 8, members: 1, mine: range(1, 8), held: new Set(range(1, 8)) })).toEqual({
      take: [],
      release: [],
      settled: true,
    });
  });

  it("takes a killed instance's slots as soon as its leases lapse", () => {
    // Two instances ran 4 each; the other died, its slots 5..8 are free and only this one is left.
    const plan = planSlots({ slots: 8, members: 1, mine: range(1, 4), held: new Set(range(1, 4)) });
    expect(plan.take).toEqual(range(5, 8));
  });

  it('hands back its highest slots when a second instance joins, and the newcomer waits for them', () => {
    const all = new Set(range(1, 8));
    expect(planSlots({ slots: 8, members: 2, mine: range(1, 8), held: all })).toEqual({
      take: [],
      release: [8, 7, 6, 5],
      settled: false,
    });
    expect(planSlots({ slots: 8, members: 2, mine: [], held: all })).toEqual({ take: [], release: [], settled: false });
    expect(planSlots({ slots: 8, members: 2, mine: [], held: new Set(range(1, 4)) }).take).toEqual(range(5, 8));
  });

  it('takes no more than its share of free slots, and settles with the smaller share of an uneven split', () => {
    // Three instances: 3 + 3 + 2. The third one finds two free slots and takes both.
    const held = new Set(range(1, 6));
    expect(planSlots({ slots: 8, members: 3, mine: [], held })).toEqual({ take: [7, 8], release: [], settled: false });
    expect(planSlots({ slots: 8, members: 3, mine: [7, 8], held: new Set(range(1, 8)) })).toEqual({
      take: [],
      release: [],
      settled: true,
    });
    // One that already runs its share leaves the last free slot to the others.
    expect(planSlots({ slots: 8, members: 3, mine: [1, 2, 3], held: new Set(range(1, 7)) }).take).toEqual([]);
  });

  it('runs no slot, and is settled, when there are more instances than slots and all are held', () => {
    expect(planSlots({ slots: 2, members: 3, mine: [], held: new Set([1, 2]) })).toEqual({
      take: [],
      release: [],
      settled: true,
    });
  });
});
