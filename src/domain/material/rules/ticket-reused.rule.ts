import { kg } from '../material-finding';
import type { ReconciliationRule, TicketView } from '../material-view';
import { recordKey, vehicleName, zoneOf } from '../material-view';

/**
 * Double weighing: one ticket number on two different transactions, or one manifest despatched
 * on two tickets. The same transaction published twice (same ticket, times, masses, vehicle) is
 * a gateway resending, not a reuse.
 */
export const ticketReused: ReconciliationRule = (view) => {
  const findings = [];
  const firstByTicket = new Map<string, TicketView>();
  const firstByManifest = new Map<string, TicketView>();
  for (const t of view.tickets) {
    const earlier = firstByTicket.get(t.ticketId);
    if (!earlier) firstByTicket.set(t.ticketId, t);
    else if (!sameTransaction(earlier, t)) findings.push(reuse(view, t, earlier, `ticket ${t.ticketId}`));
    if (t.manifestId === undefined || t.direction !== 'out') continue;
    const despatched = firstByManifest.get(t.manifestId);
    if (!despatched) firstByManifest.set(t.manifestId, t);
    else if (despatched.ticketId !== t.ticketId) findings.push(reuse(view, t, despatched, `manifest ${t.manifestId}`));
  }
  return findings;
};

function sameTransaction(a: TicketView, b: TicketView): boolean {
  return (
    a.netKg === b.netKg &&
    a.first.at.getTime() === b.first.at.getTime() &&
    a.plate === b.plate &&
    a.rfidTag === b.rfidTag
  );
}

function reuse(view: Parameters<ReconciliationRule>[0], t: TicketView, earlier: TicketView, what: string) {
  return {
    key: `ticket-reused:${recordKey(t)}`,
    rule: 'ticket-reused' as const,
    siteId: view.siteId,
    gatewayId: t.gatewayId,
    at: t.completedAt,
    zone: zoneOf(view, t),
    summary:
      `${what[0]!.toUpperCase()}${what.slice(1)} used again: ticket ${t.ticketId} (${vehicleName(t)}, net ${kg(t.netKg)}) at ${t.completedAt.toISOString()} ` +
      `after ticket ${earlier.ticketId} (${vehicleName(earlier)}, net ${kg(earlier.netKg)}) at ${earlier.completedAt.toISOString()}`,
    numbers: { netKg: t.netKg, earlierNetKg: earlier.netKg },
    tolerance: { kg: null, basis: `${what} on one transaction only` },
    quantityKg: t.netKg,
    ...(t.plate !== undefined && { plate: t.plate }),
    ...(t.materialCode !== undefined && { materialCode: t.materialCode }),
    recordIds: [earlier.recordId, t.recordId],
  };
}
