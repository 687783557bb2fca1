import type { AccuracyClass, ScaleSpec } from './material-record.schema';

/**
 * OIML R 76-1 (non-automatic weighing instruments), maximum permissible errors on loading at
 * initial verification, by accuracy class: ±0.5 e up to the first bound, ±1 e up to the second,
 * ±1.5 e above it (bounds in verification scale intervals e). Class III, the class of
 * weighbridges: 500 e and 2 000 e. In service the MPE is twice the verification MPE.
 */
const BOUNDS_IN_E: Record<AccuracyClass, readonly [number, number]> = {
  I: [50_000, 200_000],
  II: [5_000, 20_000],
  III: [500, 2_000],
  IIII: [50, 200],
};

export type Verification = 'initial' | 'in_service';

/** The MPE (kg) of a scale at a load (kg): derived from its class and e, never a flat percentage. */
export function maximumPermissibleError(
  scale: Pick<ScaleSpec, 'class' | 'eKg'>,
  loadKg: number,
  verification: Verification = 'in_service',
): number {
  const [first, second] = BOUNDS_IN_E[scale.class];
  const loadInE = Math.abs(loadKg) / scale.eKg;
  const multiple = loadInE <= first ? 0.5 : loadInE <= second ? 1 : 1.5;
  const atVerification = multiple * scale.eKg;
  return verification === 'in_service' ? 2 * atVerification : atVerification;
}

/**
 * The legal error of a net mass weighed as gross minus tare on the same scale, in service:
 * the worst case (the two MPEs added, what the law allows at the extremes) and the
 * root-sum-square (the two errors independent). A 60 t class III scale with e = 20 kg weighing
 * a 15 t tare and a 45 t gross: ±40 and ±60 kg, so ±100 kg worst case, ±72 kg root-sum-square.
 * A stored tare counts as weighed on the same scale: it was, once.
 */
export function netLegalError(
  scale: Pick<ScaleSpec, 'class' | 'eKg'>,
  grossKg: number,
  tareKg: number,
): { worstKg: number; rssKg: number } {
  const gross = maximumPermissibleError(scale, grossKg);
  const tare = maximumPermissibleError(scale, tareKg);
  return { worstKg: gross + tare, rssKg: rootSumSquare([gross, tare]) };
}

/** √Σu²: the combined uncertainty of independent components. */
export function rootSumSquare(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
}
