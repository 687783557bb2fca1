import { maximumPermissibleError, netLegalError, rootSumSquare } from './legal-error';

const weighbridge = { class: 'III' as const, eKg: 20 };

describe('maximumPermissibleError (OIML R 76)', () => {
  it('steps class III at 500 e and 2 000 e: 0.5 e, 1 e, 1.5 e at verification', () => {
    expect(maximumPermissibleError(weighbridge, 10_000, 'initial')).toBe(10); // 500 e
    expect(maximumPermissibleError(weighbridge, 10_020, 'initial')).toBe(20);
    expect(maximumPermissibleError(weighbridge, 40_000, 'initial')).toBe(20); // 2 000 e
    expect(maximumPermissibleError(weighbridge, 40_020, 'initial')).toBe(30);
  });

  it('doubles in service', () => {
    expect(maximumPermissibleError(weighbridge, 15_000)).toBe(40);
    expect(maximumPermissibleError(weighbridge, 45_000)).toBe(60);
  });

  it('follows each class its own bounds: class II steps at 5 000 e, class IIII at 50 e', () => {
    expect(maximumPermissibleError({ class: 'II', eKg: 1 }, 5_000, 'initial')).toBe(0.5);
    expect(maximumPermissibleError({ class: 'II', eKg: 1 }, 5_001, 'initial')).toBe(1);
    expect(maximumPermissibleError({ class: 'IIII', eKg: 100 }, 5_100, 'initial')).toBe(100);
    expect(maximumPermissibleError({ class: 'I', eKg: 0.001 }, 200.001, 'initial')).toBeCloseTo(0.0015);
  });

  it('scales with e, never as a flat percentage of the load', () => {
    const coarse = maximumPermissibleError({ class: 'III', eKg: 50 }, 30_000);
    const fine = maximumPermissibleError({ class: 'III', eKg: 10 }, 30_000);
    expect(coarse).toBe(100); // 600 e: 1 e, twice in service
    expect(fine).toBe(30); // 3 000 e: 1.5 e, twice in service
  });
});

describe('netLegalError', () => {
  it('gives the research example: 60 t scale, e 20 kg, 15 t tare and 45 t gross: ±100 kg worst case, ±72 kg root-sum-square', () => {
    const error = netLegalError(weighbridge, 45_000, 15_000);
    expect(error.worstKg).toBe(100);
    expect(Math.round(error.rssKg)).toBe(72);
  });

  it('is a small fraction of a flat 5 % threshold on a 30 t net', () => {
    expect(0.05 * 30_000).toBeGreaterThanOrEqual(15 * netLegalError(weighbridge, 45_000, 15_000).worstKg);
  });
});

describe('rootSumSquare', () => {
  it('combines independent components', () => {
    expect(rootSumSquare([3, 4])).toBe(5);
    expect(rootSumSquare([])).toBe(0);
  });
});
