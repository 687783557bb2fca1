/**
 * The thresholds of material reconciliation, with defaults from the research behind it
 * (shared/domain-next.md §1). Legal error itself is never a setting: it is derived from each
 * scale's class and interval (legal-error.ts).
 */
export interface ReconciliationSettings {
  /** A loaded exit needs an outbound ticket for the vehicle completed this long before it (ms). */
  exitTicketWithinMs: number;
  /** A ticket needs a gate-in this long before it, or a gate-out this long after it (ms). */
  gateWithinMs: number;
  /** How far apart two gateways' clocks may be: a passage this much before its ticket still follows it (ms). */
  clockSkewMs: number;
  /** A record is judged only once what it waits for could have arrived: its deadline plus this (ms). */
  settleMs: number;
  /** Net vs manifest: flagged beyond this many times the net's worst-case legal error (or the manifest's franchise, if larger). */
  netCoverage: number;
  /** Tare drift: the truck's own weighed tares this far back count as its history. */
  tareHistory: number;
  /** Tare drift: fewer weighed tares than this, no judgement. */
  tareMinHistory: number;
  /** Tare drift: flagged beyond this many scaled median absolute deviations of the truck's tares... */
  tareMadFactor: number;
  /** ...and beyond the tare's legal error twice over plus this allowance (fuel, mud, a spare wheel), kg. */
  tareAllowanceKg: number;
  /** A stored tare older than this (days) has expired. */
  storedTareMaxAgeDays: number;
  /** Transit loss: an allowance on top of the two scales' legal error, as a fraction of the dispatched net (moisture, spillage). */
  transitLossAllowance: number;
  /** Period balance: flagged beyond this many times the combined uncertainty √Σu². */
  balanceCoverage: number;
  /** Period balance: relative uncertainty of a survey's volume, by method (drone with ground control 1–3 %, without 8 % or worse). */
  surveyVolumeUncertainty: Record<'drone_gcp' | 'drone' | 'laser' | 'other', number>;
  /** Period balance: relative uncertainty of a survey's bulk density. */
  surveyDensityUncertainty: number;
  /** Scales inside the fence (plant to stockpile): their tickets have no gate passages to look for. */
  internalScales: readonly string[];
  /** The zone a finding names when its records name none. */
  defaultZone: string;
}

export const DEFAULT_RECONCILIATION_SETTINGS: ReconciliationSettings = {
  exitTicketWithinMs: 2 * 3_600_000,
  gateWithinMs: 12 * 3_600_000,
  clockSkewMs: 5 * 60_000,
  settleMs: 15 * 60_000,
  netCoverage: 1,
  tareHistory: 20,
  tareMinHistory: 5,
  tareMadFactor: 3,
  tareAllowanceKg: 100,
  storedTareMaxAgeDays: 30,
  transitLossAllowance: 0,
  balanceCoverage: 1,
  surveyVolumeUncertainty: { drone_gcp: 0.03, drone: 0.08, laser: 0.02, other: 0.1 },
  surveyDensityUncertainty: 0.03,
  internalScales: [],
  defaultZone: 'weighbridge',
};
