import type { MaterialFinding } from '../material-finding';
import { kg } from '../material-finding';
import type { MaterialView, ReconciliationRule, TicketView } from '../material-view';
import { recordKey, vehicleName, zoneOf } from '../material-view';

/**
 * The indicator's CAL and CFG counters cannot be reset: a change "is equivalent to breaking a
 * physical seal". A change is authorised by an instrument record carrying a work order for the
 * counters it reached. Seen two ways, under one key per scale and counter pair: an instrument
 * record reporting a change without a work order, and tickets whose counters moved (or went
 * back) with no authorised change between them.
 */
export const counterWithoutWorkOrder: ReconciliationRule = (view) => {
  const findings = new Map<string, MaterialFinding>();
  const authorised = (scaleId: string, cal: number, cfg: number) =>
    view.instruments.some(
      (i) => i.scaleId === scaleId && i.workOrderId !== undefined && i.calCounter === cal && i.cfgCounter === cfg,
    );
  const add = (
    gatewayId: string,
    scaleId: string,
    zone: string,
    at: Date,
    from: { cal: number; cfg: number } | null,
    to: { cal: number; cfg: number },
    recordIds: string[],
    how: string,
  ) => {
    const key = `counter-without-work-order:${scaleId}:${to.cal}:${to.cfg}`;
    if (findings.has(key)) return;
    findings.set(key, {
      key,
      rule: 'counter-without-work-order',
      siteId: view.siteId,
      gatewayId,
      at,
      zone,
      summary: `Scale ${scaleId}: ${how}, CAL ${from ? `${from.cal} → ` : ''}${to.cal}, CFG ${from ? `${from.cfg} → ` : ''}${to.cfg}, with no work order`,
      numbers: {
        calCounter: to.cal,
        cfgCounter: to.cfg,
        ...(from && { previousCalCounter: from.cal, previousCfgCounter: from.cfg }),
      },
      tolerance: { kg: null, basis: 'a CAL or CFG counter change only under a work order' },
      recordIds,
    });
  };

  for (const i of view.instruments) {
    if (i.event === 'fault' || i.event === 'zero_adjustment' || i.workOrderId !== undefined) continue;
    add(
      i.gatewayId,
      i.scaleId,
      zoneOf(view, i),
      i.at,
      null,
      { cal: i.calCounter, cfg: i.cfgCounter },
      [i.recordId],
      `${i.event.replace('_', ' ')} reported`,
    );
  }
  const lastByScale = new Map<string, TicketView>();
  for (const t of view.tickets) {
    const previous = lastByScale.get(t.scaleId);
    lastByScale.set(t.scaleId, t);
    if (!previous) continue;
    const from = { cal: previous.instrument.calCounter, cfg: previous.instrument.cfgCounter };
    const to = { cal: t.instrument.calCounter, cfg: t.instrument.cfgCounter };
    if (from.cal === to.cal && from.cfg === to.cfg) continue;
    const backwards = to.cal < from.cal || to.cfg < from.cfg;
    if (!backwards && authorised(t.scaleId, to.cal, to.cfg)) continue;
    add(
      t.gatewayId,
      t.scaleId,
      zoneOf(view, t),
      t.completedAt,
      from,
      to,
      [previous.recordId, t.recordId],
      backwards ? 'counters went back between tickets' : 'counters changed between tickets',
    );
  }
  return [...findings.values()];
};

/** A weight typed at the indicator instead of read from the load cells. */
export const manualEntry: ReconciliationRule = (view) =>
  view.tickets
    .filter((t) => t.manualEntry)
    .map((t) =>
      ticketFact(
        view,
        t,
        'manual-entry',
        'net typed in by hand (manual entry)',
        'weights read from the load cells only',
      ),
    );

/** A weighing captured while the reading was not stable: the truck was moving, or someone was rocking it. */
export const weighingInMotion: ReconciliationRule = (view) =>
  view.tickets
    .filter((t) => !t.first.stable || t.second?.stable === false)
    .map((t) =>
      ticketFact(
        view,
        t,
        'weighing-in-motion',
        'weighed while the reading was not stable (in motion)',
        'every weighing stable',
      ),
    );

/** An axle off the deck, or two vehicles on it. */
export const positioningFault: ReconciliationRule = (view) =>
  view.tickets
    .filter((t) => t.positioningOk === false || (t.vehiclesOnDeck ?? 1) > 1)
    .map((t) =>
      ticketFact(
        view,
        t,
        'positioning-fault',
        t.positioningOk === false
          ? 'weighed with the vehicle not fully on the deck'
          : `weighed with ${t.vehiclesOnDeck} vehicles on the deck`,
        'one vehicle, fully on the deck',
      ),
    );

function ticketFact(
  view: MaterialView,
  t: TicketView,
  rule: 'manual-entry' | 'weighing-in-motion' | 'positioning-fault',
  what: string,
  basis: string,
): MaterialFinding {
  return {
    key: `${rule}:${recordKey(t)}`,
    rule,
    siteId: view.siteId,
    gatewayId: t.gatewayId,
    at: t.completedAt,
    zone: zoneOf(view, t),
    summary: `Ticket ${t.ticketId} (${vehicleName(t)}, net ${kg(t.netKg)}) on scale ${t.scaleId}: ${what}`,
    numbers: { netKg: t.netKg, grossKg: t.grossKg, tareKg: t.tareKg },
    tolerance: { kg: null, basis },
    quantityKg: t.netKg,
    ...(t.plate !== undefined && { plate: t.plate }),
    ...(t.materialCode !== undefined && { materialCode: t.materialCode }),
    recordIds: [t.recordId],
  };
}
