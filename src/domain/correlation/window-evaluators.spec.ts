import type { CompiledCorrelationRule } from './rule-set';
import { newSignal } from './signal';
import { createEvaluator } from './window-evaluators';

/** A value_count evaluator whose condition is `eq: n`: satisfied exactly when n values are distinct. */
function distinctEquals(n: number) {
  const rule = {
    correlationType: 'value_count',
    refs: ['probe'],
    condition: { kind: 'count', field: 'cyber.dstPort', bounds: { eq: n } },
  };
  return createEvaluator(rule as unknown as CompiledCorrelationRule);
}

/** A small seeded generator, so a failure names a sequence that can be played again. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('value_count evaluator', () => {
  it('counts distinct values as a window slides over them, whichever value came first', () => {
    const values = ['502', '443', '44818', '22', undefined];
    for (let seed = 1; seed <= 50; seed++) {
      const random = seeded(seed);
      const evaluators = [0, 1, 2, 3, 4, 5].map(distinctEquals);
      const window: ReturnType<typeof newSignal>[] = [];
      for (let step = 0; step < 200; step++) {
        if (window.length > 0 && random() < 0.45) {
          const gone = window.shift()!;
          for (const e of evaluators) e.remove(gone, window[0]);
        } else {
          const signal = newSignal(step, `e${step}`, 0, values[Math.floor(random() * values.length)]);
          window.push(signal);
          for (const e of evaluators) e.add(signal);
        }
        const distinct = new Set(window.flatMap((s) => (s.value === undefined ? [] : [s.value]))).size;
        const verdicts = evaluators.map((e) => e.satisfied(step));
        expect({ seed, step, verdicts }).toEqual({ seed, step, verdicts: evaluators.map((_, n) => n === distinct) });
      }
    }
  });

  it('starts again from nothing after a reset', () => {
    const two = distinctEquals(2);
    two.add(newSignal(1, 'a', 0, '502'));
    two.add(newSignal(2, 'b', 0, '443'));
    expect(two.satisfied(2)).toBe(true);
    two.reset();
    expect(two.satisfied(2)).toBe(false);
    two.add(newSignal(3, 'c', 0, '443'));
    two.add(newSignal(4, 'd', 0, '443'));
    expect(two.satisfied(4)).toBe(false);
    two.add(newSignal(5, 'e', 0, '502'));
    expect(two.satisfied(5)).toBe(true);
  });
});
