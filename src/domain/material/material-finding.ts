/** The reconciliation rules, one file each under rules/. */
export const FINDING_RULES = [
  'exit-without-ticket',
  'ghost-ticket',
  'net-vs-manifest',
  'tare-drift',
  'stored-tare-expired',
  'ticket-reused',
  'counter-without-work-order',
  'manual-entry',
  'weighing-in-motion',
  'positioning-fault',
  'overweight-exit',
  'transit-loss',
  'period-balance',
] as const;
export type FindingRule = (typeof FINDING_RULES)[number];

/**
 * One discrepancy, with the numbers and the tolerance that made it one. `key` is stable: the
 * same records give the same key however often reconciliation runs, so a finding is raised once.
 */
export interface MaterialFinding {
  key: string;
  rule: FindingRule;
  siteId: string;
  /** The gateway of the record it mainly rests on (the theft event it raises is stored under it). */
  gatewayId: string;
  /** When it happened: the time of the record that is wrong (or the end of the period). */
  at: Date;
  zone: string;
  /** One sentence with the numbers, e.g. `Ticket WB1-7 net 30 360 kg vs manifest DSP-1 31 000 kg: off by 640 kg, legal error ±100 kg`. */
  summary: string;
  /** The figures behind it, in kg unless the name says otherwise. */
  numbers: Record<string, number>;
  /** The tolerance crossed (kg, or null for a rule that has none: a fact, not a measurement) and how it was derived. */
  tolerance: { kg: number | null; basis: string };
  /** The kilograms in question, when the rule measures some. */
  quantityKg?: number;
  plate?: string;
  materialCode?: string;
  /** The records it rests on, by their recordId. */
  recordIds: string[];
}

/** Thousands separated by a thin space, as the console shows masses. */
export function kg(value: number): string {
  const rounded = Math.round(value);
  const sign = rounded < 0 ? '-' : '';
  return `${sign}${String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} kg`;
}
