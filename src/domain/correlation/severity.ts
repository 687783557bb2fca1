import { SEVERITIES, severityRank, type Severity } from '../events/canonical-event.schema';

/** `high` raised 1 is `critical`; never past `critical`. */
export function raiseSeverity(severity: Severity, levels: number): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, severityRank(severity) + levels)];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}
