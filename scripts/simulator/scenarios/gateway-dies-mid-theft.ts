import type { EventDraft, Scenario, ScenarioStep } from '../scenario';

const GATEWAY = 'gw-yard';
const TRUCK = 'CD-LU-4471-TR';

/**
 * Ore goes missing from the yard while a truck is in, and the yard gateway goes dark mid-theft
 * (its power is cut: the link dies without a goodbye, so the broker publishes its last will).
 * Its sensors keep recording; when it comes back eight minutes later it sends what it held,
 * late, with the times the sensors saw it.
 */
export const gatewayDiesMidTheft: Scenario = {
  name: 'gateway-dies-mid-theft',
  summary:
    'an unscheduled truck loads cobalt hydroxide in the ore yard; the yard gateway loses power mid-theft and sends what it held when it is back',
  expect:
    'a theft incident opens with the truck and the first stockpile loss; the gateway shows offline (its last will); when it is back, the held events join the same incident with their original times',
  durationMs: 14 * 60_000,
  when: 'recent',
  gateways: [{ gatewayId: GATEWAY, sensors: ['anpr-gate-1', 'lidar-stockpile-b', 'weighbridge-1'] }],
  steps() {
    const at = (minutes: number, event: EventDraft): ScenarioStep => ({
      at: minutes * 60_000,
      gatewayId: GATEWAY,
      event,
    });
    return [
      at(0.5, {
        sensorId: 'anpr-gate-1',
        kind: 'theft',
        severity: 'medium',
        zone: 'ore-yard',
        theft: {
          category: 'vehicle',
          vehicleId: TRUCK,
          description: 'Truck entered by the east gate with no scheduled load',
        },
      }),
      at(3, {
        sensorId: 'lidar-stockpile-b',
        kind: 'theft',
        severity: 'high',
        zone: 'ore-yard',
        theft: {
          category: 'material_loss',
          material: 'cobalt hydroxide',
          quantityKg: 1800,
          description: 'Stockpile B volume dropped by about 1.8 t',
        },
      }),
      { at: 4 * 60_000, gatewayId: GATEWAY, connection: 'lost' },
      at(5.5, {
        sensorId: 'lidar-stockpile-b',
        kind: 'theft',
        severity: 'high',
        zone: 'ore-yard',
        theft: {
          category: 'material_loss',
          material: 'cobalt hydroxide',
          quantityKg: 3400,
          description: 'Stockpile B volume dropped by a further 3.4 t',
        },
      }),
      at(7, {
        sensorId: 'weighbridge-1',
        kind: 'theft',
        severity: 'critical',
        zone: 'ore-yard',
        theft: {
          category: 'vehicle',
          vehicleId: TRUCK,
          description: 'Truck left by the north gate, bypassing the weighbridge',
        },
      }),
      at(7.2, {
        sensorId: 'anpr-gate-1',
        kind: 'theft',
        severity: 'high',
        zone: 'ore-yard',
        theft: { category: 'vehicle', vehicleId: TRUCK, description: 'North gate barrier forced open' },
      }),
      { at: 12 * 60_000, gatewayId: GATEWAY, connection: 'restored' },
      at(13, {
        sensorId: 'lidar-stockpile-b',
        kind: 'theft',
        severity: 'medium',
        zone: 'ore-yard',
        theft: {
          category: 'material_loss',
          material: 'cobalt hydroxide',
          quantityKg: 5200,
          description: 'Stockpile B reconciliation: 5.2 t missing since the last survey',
        },
      }),
    ];
  },
};
