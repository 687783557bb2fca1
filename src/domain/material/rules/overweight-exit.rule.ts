import { maximumPermissibleError } from '../legal-error';
import { kg } from '../material-finding';
import type { ReconciliationRule } from '../material-view';
import { recordKey, vehicleName, zoneOf } from '../material-view';

/** An outbound gross above the vehicle's permitted mass by more than the gross's legal error. */
export const overweightExit: ReconciliationRule = (view) =>
  view.tickets.flatMap((t) => {
    if (t.direction !== 'out' || t.permittedGrossKg === undefined) return [];
    const legal = maximumPermissibleError(t.instrument, t.grossKg);
    const overKg = t.grossKg - t.permittedGrossKg;
    if (overKg <= legal) return [];
    return [
      {
        key: `overweight-exit:${recordKey(t)}`,
        rule: 'overweight-exit' as const,
        siteId: view.siteId,
        gatewayId: t.gatewayId,
        at: t.completedAt,
        zone: zoneOf(view, t),
        summary: `Ticket ${t.ticketId}: ${vehicleName(t)} left at gross ${kg(t.grossKg)}, ${kg(overKg)} over its permitted ${kg(t.permittedGrossKg)} (legal error ±${kg(legal)})`,
        numbers: { grossKg: t.grossKg, permittedGrossKg: t.permittedGrossKg, overKg, legalErrorKg: legal },
        tolerance: {
          kg: legal,
          basis: `gross legal error (class ${t.instrument.class}, e ${t.instrument.eKg} kg, in service)`,
        },
        quantityKg: overKg,
        ...(t.plate !== undefined && { plate: t.plate }),
        ...(t.materialCode !== undefined && { materialCode: t.materialCode }),
        recordIds: [t.recordId],
      },
    ];
  });
