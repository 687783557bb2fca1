import { contextFromOutages } from './blind-zones';
import { outagesFromHealth, type HealthChange } from './outages';

const t = (minute: number) => new Date(Date.UTC(2026, 10, 29, 2, minute));
const change = (
  subjectType: 'gateway' | 'sensor',
  subjectId: string,
  state: HealthChange['state'],
  minute: number,
): HealthChange => ({
  subjectType,
  subjectId,
  gatewayId: subjectType === 'gateway' ? subjectId : 'gw-1',
  state,
  at: t(minute),
});

describe('outagesFromHealth', () => {
  const coverage = [
    { sensorId: 'cam-2', gatewayId: 'gw-1', zones: ['fence-north'] },
    { sensorId: 'fence-7', gatewayId: 'gw-2', zones: ['fence-north', 'fence-east'] },
  ];

  it("blinds a sensor's zones while it, or its gateway, is not ok", () => {
    const outages = outagesFromHealth(
      'site',
      [
        change('sensor', 'cam-2', 'fault', 10),
        change('sensor', 'cam-2', 'ok', 20),
        change('gateway', 'gw-2', 'offline', 30),
      ],
      coverage,
    );
    const context = contextFromOutages(outages);
    expect(context.blindSensors!('site', 'fence-north', t(5))).toEqual([]);
    expect(context.blindSensors!('site', 'fence-north', t(15))).toEqual(['cam-2']);
    expect(context.blindSensors!('site', 'fence-north', t(20))).toEqual([]);
    expect(context.blindSensors!('site', 'fence-north', t(45))).toEqual(['fence-7']);
    expect(context.blindSensors!('site', 'fence-east', t(45))).toEqual(['fence-7']);
    expect(context.blindSensors!('other-site', 'fence-east', t(45))).toEqual([]);
  });

  it('takes a repeated bad state as one outage, from its first report', () => {
    const outages = outagesFromHealth(
      'site',
      [
        change('sensor', 'cam-2', 'fault', 10),
        change('sensor', 'cam-2', 'offline', 12),
        change('sensor', 'cam-2', 'ok', 14),
      ],
      coverage,
    );
    expect(outages).toEqual([{ siteId: 'site', zone: 'fence-north', sensorId: 'cam-2', from: t(10), to: t(14) }]);
  });
});
