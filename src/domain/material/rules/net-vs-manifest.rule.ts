import { netLegalError } from '../legal-error';
import { kg } from '../material-finding';
import type { ReconciliationRule } from '../material-view';
import { factorBasis, latestManifests, recordKey, vehicleName, zoneOf } from '../material-view';

/**
 * A ticket's net against its manifest's expected net, flagged beyond the larger of the net's
 * legal error (worst case, times the coverage setting) and the contract's franchise. Never a
 * flat percentage: a 5 % threshold is 15 to 20 times a weighbridge's legal error.
 */
export const netVsManifest: ReconciliationRule = (view) => {
  const manifests = latestManifests(view);
  return view.tickets.flatMap((t) => {
    const manifest = t.manifestId === undefined ? undefined : manifests.get(t.manifestId);
    if (!manifest) return [];
    const legal = netLegalError(t.instrument, t.grossKg, t.tareKg).worstKg;
    // The posture tightens the measurement's tolerance, not the contract's franchise.
    const factor = view.toleranceFactor(t.completedAt);
    const toleranceKg = Math.max(view.settings.netCoverage * legal * factor, manifest.franchiseKg ?? 0);
    const differenceKg = t.netKg - manifest.expectedNetKg;
    if (Math.abs(differenceKg) <= toleranceKg) return [];
    return [
      {
        key: `net-vs-manifest:${recordKey(t)}`,
        rule: 'net-vs-manifest' as const,
        siteId: view.siteId,
        gatewayId: t.gatewayId,
        at: t.completedAt,
        zone: zoneOf(view, t),
        summary:
          `Ticket ${t.ticketId} (${vehicleName(t)}) net ${kg(t.netKg)} vs manifest ${manifest.manifestId} ${kg(manifest.expectedNetKg)}: ` +
          `off by ${kg(differenceKg)}, tolerance ±${kg(toleranceKg)}`,
        numbers: {
          netKg: t.netKg,
          expectedNetKg: manifest.expectedNetKg,
          differenceKg,
          legalErrorKg: legal,
          franchiseKg: manifest.franchiseKg ?? 0,
        },
        tolerance: {
          kg: toleranceKg,
          basis: `max(${view.settings.netCoverage} × net legal error ${legal} kg (class ${t.instrument.class}, e ${t.instrument.eKg} kg, in service)${factorBasis(factor)}, franchise ${manifest.franchiseKg ?? 0} kg)`,
        },
        quantityKg: Math.abs(differenceKg),
        ...(t.plate !== undefined && { plate: t.plate }),
        materialCode: manifest.materialCode,
        recordIds: [t.recordId, manifest.recordId],
      },
    ];
  });
};
