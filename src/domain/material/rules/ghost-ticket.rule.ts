import { kg } from '../material-finding';
import type { ReconciliationRule } from '../material-view';
import { recordKey, sameVehicleRecords, settled, vehicleName, zoneOf } from '../material-view';

/**
 * The ghost ticket (the Eskom 2023 case: a ticket for a coal truck that "had never entered"):
 * a ticket with no gate-in for its vehicle before it and no gate-out after it. A site whose
 * gates reported nothing at all in the window is not judged (it has no gate readers, or they
 * were down: gateway health reports that), nor is a ticket of a scale inside the fence.
 */
export const ghostTicket: ReconciliationRule = (view) => {
  if (view.passages.length === 0) return [];
  const { gateWithinMs, clockSkewMs } = view.settings;
  return view.tickets
    .filter(
      (t) => !view.settings.internalScales.includes(t.scaleId) && settled(view, t.completedAt.getTime() + gateWithinMs),
    )
    .filter((t) => {
      const start = t.first.at.getTime();
      const end = t.completedAt.getTime();
      const { passages } = sameVehicleRecords(view, t);
      const entered = passages.some(
        (p) => p.direction === 'in' && p.at.getTime() >= start - gateWithinMs && p.at.getTime() <= start + clockSkewMs,
      );
      const left = passages.some(
        (p) => p.direction === 'out' && p.at.getTime() >= end - clockSkewMs && p.at.getTime() <= end + gateWithinMs,
      );
      return !entered && !left;
    })
    .map((t) => ({
      key: `ghost-ticket:${recordKey(t)}`,
      rule: 'ghost-ticket' as const,
      siteId: view.siteId,
      gatewayId: t.gatewayId,
      at: t.completedAt,
      zone: zoneOf(view, t),
      summary: `Ticket ${t.ticketId} (${vehicleName(t)}, net ${kg(t.netKg)}) has no gate passage in the ${gateWithinMs / 3_600_000} h before or after it`,
      numbers: { netKg: t.netKg, windowHours: gateWithinMs / 3_600_000 },
      tolerance: {
        kg: null,
        basis: `a gate-in or gate-out of the vehicle within ${gateWithinMs / 3_600_000} h of the ticket`,
      },
      quantityKg: t.netKg,
      ...(t.plate !== undefined && { plate: t.plate }),
      ...(t.materialCode !== undefined && { materialCode: t.materialCode }),
      recordIds: [t.recordId],
    }));
};
