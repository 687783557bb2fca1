import type { ScenarioClock } from '../scenario-clock';
import { offset, round, seeded } from '../geo';
import type { MaterialDraft, Scenario, ScenarioStep } from '../scenario';
import { SITE_MAP } from '../site-map';

/** The weighbridge of the made-up mine: class III, 60 t, e = 20 kg. */
const WB1 = { class: 'III', maxKg: 60_000, eKg: 20, calCounter: 41, cfgCounter: 12 } as const;
const minutes = (m: number) => m * 60_000;

/**
 * At night three concentrate trucks go through the gate, over the weighbridge (tare, loading,
 * gross) and out against their manifests, each within the scale's legal error. Meanwhile a
 * drone without Remote ID hangs over the haul road, and a fourth truck comes in, loads, and
 * leaves through the gate loaded without ever crossing the scale.
 */
export const truckSkipsScaleUnderDrone: Scenario = {
  name: 'truck-skips-scale-under-drone',
  summary:
    'at night, three trucks are weighed and despatched as they should be; a drone watches the haul road while a fourth leaves loaded without crossing the scale',
  expect:
    'a drone incident opens and grows; once MATERIAL_SETTLE_MS has passed after the loaded exit (15 minutes by default), reconciliation raises a material_discrepancy theft event for the truck, and a critical material-discrepancy-under-drone incident opens',
  durationMs: minutes(40),
  when: 'night',
  gateways: [
    { gatewayId: 'gw-weighbridge', sensors: ['wb1'] },
    { gatewayId: 'gw-gate', sensors: ['gate-1'] },
    { gatewayId: 'gw-airspace', sensors: ['rf-mast-2'] },
  ],
  steps(clock) {
    const jitter = seeded(20);
    const steps: ScenarioStep[] = [];
    const gate = (at: number, plate: string, direction: 'in' | 'out', loaded: boolean) =>
      steps.push({
        at,
        gatewayId: 'gw-gate',
        material: {
          type: 'gate.passage',
          zone: 'main-gate',
          gateId: 'gate-1',
          lane: 'lane-1',
          plate,
          direction,
          loaded,
        },
      });
    // Honest trucks: in, tare, 10 minutes loading, gross, out, each reading within ±40/±60 kg of the truth.
    [
      { plate: 'CD-4417-KZ', start: minutes(1), tareKg: 15_020, loadKg: 30_340 },
      { plate: 'CD-2290-KZ', start: minutes(8), tareKg: 14_880, loadKg: 29_960 },
      { plate: 'CD-7731-KZ', start: minutes(15), tareKg: 15_300, loadKg: 30_120 },
    ].forEach(({ plate, start, tareKg, loadKg }, i) => {
      const manifestId = `DSP-${2601 + i}`;
      const tare = tareKg + Math.round((jitter() - 0.5) * 2) * 20;
      const gross = tareKg + loadKg + Math.round((jitter() - 0.5) * 4) * 20;
      steps.push({
        at: start,
        gatewayId: 'gw-weighbridge',
        material: {
          type: 'dispatch.manifest',
          manifestId,
          expectedNetKg: loadKg,
          materialCode: 'CU-CONC',
          destination: 'Durban smelter',
          plate,
        },
      });
      gate(start + minutes(1), plate, 'in', false);
      steps.push({
        at: start + minutes(13),
        gatewayId: 'gw-weighbridge',
        material: ticket(clock, plate, manifestId, start + minutes(2), start + minutes(13), tare, gross),
      });
      gate(start + minutes(15), plate, 'out', true);
    });
    // The drone over the haul road from minute 12 to minute 28, heard every 30 s.
    for (let t = minutes(12); t <= minutes(28); t += 30_000) {
      const position = offset(SITE_MAP.oreYard, -300 + (jitter() - 0.5) * 60, 120 + (jitter() - 0.5) * 60);
      steps.push({
        at: t,
        gatewayId: 'gw-airspace',
        event: {
          sensorId: 'rf-mast-2',
          kind: 'drone',
          severity: 'medium',
          zone: 'haul-road',
          drone: { detection: 'rf', position, trackId: 'rf-trk-3318', confidence: round(0.7 + jitter() * 0.2, 2) },
        },
      });
    }
    // The fourth truck: in at minute 6, out loaded at minute 22, no ticket.
    gate(minutes(6), 'CD-9902-KZ', 'in', false);
    gate(minutes(22), 'CD-9902-KZ', 'out', true);
    return steps;
  },
};

/** An outbound ticket: tare at `tareAt`, gross at `grossAt` (the record's time). */
function ticket(
  clock: ScenarioClock,
  plate: string,
  manifestId: string,
  tareAt: number,
  grossAt: number,
  tareKg: number,
  grossKg: number,
): MaterialDraft {
  return {
    type: 'weighing.ticket',
    zone: 'weighbridge',
    ticketId: `WB1-${manifestId.slice(4)}`,
    scaleId: 'wb1',
    direction: 'out',
    plate,
    plateConfidence: 0.95,
    first: { kg: tareKg, at: clock.local(tareAt), stable: true, mode: 'T' },
    second: { kg: grossKg, at: clock.local(grossAt), stable: true, mode: 'G' },
    tareSource: 'weighed',
    netKg: grossKg - tareKg,
    manualEntry: false,
    positioningOk: true,
    vehiclesOnDeck: 1,
    manifestId,
    materialCode: 'CU-CONC',
    sealIds: [`S-${manifestId.slice(4)}`],
    operatorId: 'op-17',
    instrument: { ...WB1 },
  };
}
