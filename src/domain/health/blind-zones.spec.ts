import { blindZones, type HealthAt } from './blind-zones';
import type { HealthState } from './gateway-health';

const health = (sensors: Record<string, HealthState>, gateways: Record<string, HealthState> = {}): HealthAt => ({
  sensor: (id) => sensors[id],
  gateway: (id) => gateways[id],
});

const coverage = new Map([
  ['tailings-east', [{ sensorId: 'rf-mast-2', gatewayId: 'gw-1' }]],
  [
    'north-fence',
    [
      { sensorId: 'cam-1', gatewayId: 'gw-1' },
      { sensorId: 'cam-2', gatewayId: 'gw-2' },
    ],
  ],
]);

describe('blind zones', () => {
  it('is blind where its only sensor is offline', () => {
    expect(blindZones(coverage, health({ 'rf-mast-2': 'offline' }))).toEqual(['tailings-east']);
  });

  it('still sees a zone while one of its sensors is ok', () => {
    expect(blindZones(coverage, health({ 'cam-1': 'fault', 'cam-2': 'ok' }))).toEqual([]);
  });

  it('is blind when the remaining sensor is ok but its gateway is offline', () => {
    expect(blindZones(coverage, health({ 'cam-1': 'fault' }, { 'gw-2': 'offline' }))).toEqual(['north-fence']);
  });

  it('takes a whole gateway down with every zone only it covers', () => {
    expect(blindZones(coverage, health({}, { 'gw-1': 'offline', 'gw-2': 'offline' }))).toEqual([
      'north-fence',
      'tailings-east',
    ]);
  });

  it('takes sensors never reported as seeing', () => {
    expect(blindZones(coverage, health({}))).toEqual([]);
  });
});
