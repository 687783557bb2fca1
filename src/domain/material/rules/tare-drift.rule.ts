import { maximumPermissibleError } from '../legal-error';
import { kg } from '../material-finding';
import type { ReconciliationRule, TicketView } from '../material-view';
import { factorBasis, recordKey, sameVehicleRecords, vehicleName, zoneOf } from '../material-view';

/** MAD × 1.4826 estimates the standard deviation of normally distributed values. */
const MAD_TO_SIGMA = 1.4826;

/**
 * A truck's tare (weighed, stored or preset) against the median of its own weighed tares before
 * it: flagged beyond both the scaled median absolute deviation times the factor, and twice the
 * tare's legal error plus the allowance (fuel, mud). A stored tare edited down shows here.
 */
export const tareDrift: ReconciliationRule = (view) => {
  const { tareHistory, tareMinHistory, tareMadFactor, tareAllowanceKg } = view.settings;
  const findings = [];
  for (const t of view.tickets) {
    const history = sameVehicleRecords(view, t)
      .tickets.filter((h) => h.tareWeighed && h !== t && h.completedAt < t.completedAt)
      .slice(-tareHistory);
    if (history.length < tareMinHistory) continue;
    const tares = history.map((h) => h.tareKg);
    const medianKg = median(tares);
    const madKg = median(tares.map((x) => Math.abs(x - medianKg)));
    const legalBandKg = 2 * maximumPermissibleError(t.instrument, t.tareKg) + tareAllowanceKg;
    const factor = view.toleranceFactor(t.completedAt);
    const toleranceKg = Math.max(tareMadFactor * MAD_TO_SIGMA * madKg, legalBandKg) * factor;
    const driftKg = t.tareKg - medianKg;
    if (Math.abs(driftKg) <= toleranceKg) continue;
    findings.push({
      key: `tare-drift:${recordKey(t)}`,
      rule: 'tare-drift' as const,
      siteId: view.siteId,
      gatewayId: t.gatewayId,
      at: t.completedAt,
      zone: zoneOf(view, t),
      summary:
        `Ticket ${t.ticketId}: ${vehicleName(t)} ${t.tareSource} tare ${kg(t.tareKg)} is ${kg(driftKg)} from its median ${kg(medianKg)} ` +
        `over ${history.length} weighed tares, tolerance ±${kg(toleranceKg)}`,
      numbers: { tareKg: t.tareKg, medianTareKg: medianKg, madKg, driftKg, history: history.length },
      tolerance: {
        kg: toleranceKg,
        basis: `max(${tareMadFactor} × 1.4826 × MAD ${madKg} kg, 2 × tare legal error ${maximumPermissibleError(t.instrument, t.tareKg)} kg + allowance ${tareAllowanceKg} kg)${factorBasis(factor)}`,
      },
      quantityKg: Math.abs(driftKg),
      ...(t.plate !== undefined && { plate: t.plate }),
      ...(t.materialCode !== undefined && { materialCode: t.materialCode }),
      recordIds: [t.recordId],
    });
  }
  return findings;
};

/** A stored tare used past its expiry: one of the most common loss points. */
export const storedTareExpired: ReconciliationRule = (view) =>
  view.tickets
    .filter(
      (t: TicketView) => t.tareSource === 'stored' && (t.storedTareAgeDays ?? 0) > view.settings.storedTareMaxAgeDays,
    )
    .map((t) => ({
      key: `stored-tare-expired:${recordKey(t)}`,
      rule: 'stored-tare-expired' as const,
      siteId: view.siteId,
      gatewayId: t.gatewayId,
      at: t.completedAt,
      zone: zoneOf(view, t),
      summary: `Ticket ${t.ticketId}: ${vehicleName(t)} used a stored tare ${t.storedTareAgeDays} days old (expires after ${view.settings.storedTareMaxAgeDays})`,
      numbers: {
        storedTareKg: t.tareKg,
        storedTareAgeDays: t.storedTareAgeDays ?? 0,
        maxAgeDays: view.settings.storedTareMaxAgeDays,
      },
      tolerance: { kg: null, basis: `a stored tare at most ${view.settings.storedTareMaxAgeDays} days old` },
      ...(t.plate !== undefined && { plate: t.plate }),
      recordIds: [t.recordId],
    }));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
