import { netLegalError } from '../legal-error';
import { kg } from '../material-finding';
import type { ReconciliationRule, TicketView } from '../material-view';
import { factorBasis, latestManifests, recordKey, vehicleName, zoneOf } from '../material-view';

/**
 * What left the site (its outbound ticket) against what the destination weighed (the
 * manifest's receipt), beyond both scales' legal error added (worst case) plus the transit
 * allowance. The destination's scale is the site's own class and interval when the receipt does
 * not say, weighing the same tare. A swap for sand of equal weight does not show here: only
 * grade or seals reveal it.
 */
export const transitLoss: ReconciliationRule = (view) => {
  const despatched = new Map<string, TicketView>();
  for (const t of view.tickets)
    if (t.direction === 'out' && t.manifestId !== undefined) despatched.set(t.manifestId, t);
  return [...latestManifests(view).values()].flatMap((m) => {
    const t = despatched.get(m.manifestId);
    if (!m.receipt || !t) return [];
    const siteErrorKg = netLegalError(t.instrument, t.grossKg, t.tareKg).worstKg;
    const destinationScale = m.receipt.scale ?? t.instrument;
    const destinationErrorKg = netLegalError(destinationScale, t.tareKg + m.receipt.netKg, t.tareKg).worstKg;
    const allowanceKg = view.settings.transitLossAllowance * t.netKg;
    const factor = view.toleranceFactor(m.receipt.at);
    const toleranceKg = (siteErrorKg + destinationErrorKg + allowanceKg) * factor;
    const lossKg = t.netKg - m.receipt.netKg;
    if (Math.abs(lossKg) <= toleranceKg) return [];
    return [
      {
        key: `transit-loss:${recordKey(m)}`,
        rule: 'transit-loss' as const,
        siteId: view.siteId,
        gatewayId: t.gatewayId,
        at: m.receipt.at,
        zone: zoneOf(view, t),
        summary:
          `Manifest ${m.manifestId} (${vehicleName(t)}): left the site at ${kg(t.netKg)}, ${m.destination} weighed ${kg(m.receipt.netKg)}: ` +
          `${lossKg >= 0 ? 'lost' : 'gained'} ${kg(Math.abs(lossKg))}, tolerance ±${kg(toleranceKg)}`,
        numbers: {
          despatchedNetKg: t.netKg,
          receivedNetKg: m.receipt.netKg,
          lossKg,
          siteLegalErrorKg: siteErrorKg,
          destinationLegalErrorKg: destinationErrorKg,
          allowanceKg,
        },
        tolerance: {
          kg: toleranceKg,
          basis: `site net legal error ${siteErrorKg} kg + destination net legal error ${destinationErrorKg} kg + allowance ${allowanceKg} kg${factorBasis(factor)}`,
        },
        quantityKg: Math.abs(lossKg),
        ...(t.plate !== undefined && { plate: t.plate }),
        materialCode: m.materialCode,
        recordIds: [t.recordId, m.recordId],
      },
    ];
  });
};
