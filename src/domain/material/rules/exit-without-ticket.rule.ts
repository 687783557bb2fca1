import type { ReconciliationRule } from '../material-view';
import { recordKey, sameVehicleRecords, settled, vehicleName, zoneOf } from '../material-view';

/** A loaded vehicle leaves through a gate with no outbound ticket for it in the hours before. */
export const exitWithoutTicket: ReconciliationRule = (view) => {
  const { exitTicketWithinMs, clockSkewMs } = view.settings;
  return view.passages
    .filter((p) => p.direction === 'out' && p.loaded && settled(view, p.at.getTime() + clockSkewMs))
    .filter((p) => {
      const from = p.at.getTime() - exitTicketWithinMs;
      const to = p.at.getTime() + clockSkewMs;
      return !sameVehicleRecords(view, p).tickets.some(
        (t) => t.direction === 'out' && t.completedAt.getTime() >= from && t.completedAt.getTime() <= to,
      );
    })
    .map((p) => ({
      key: `exit-without-ticket:${recordKey(p)}`,
      rule: 'exit-without-ticket' as const,
      siteId: view.siteId,
      gatewayId: p.gatewayId,
      at: p.at,
      zone: zoneOf(view, p),
      summary: `Loaded ${vehicleName(p)} left through gate ${p.gateId} at ${p.at.toISOString()} with no outbound ticket in the ${exitTicketWithinMs / 60_000} minutes before`,
      numbers: { windowMinutes: exitTicketWithinMs / 60_000 },
      tolerance: {
        kg: null,
        basis: `an outbound ticket completed at most ${exitTicketWithinMs / 60_000} min before the exit`,
      },
      ...(p.plate !== undefined && { plate: p.plate }),
      recordIds: [p.recordId],
    }));
};
