import type { SensorOutage } from './blind-zones';

/** A recorded change of a gateway's or sensor's health (table sensor_health_changes). */
export interface HealthChange {
  subjectType: 'gateway' | 'sensor';
  subjectId: string;
  gatewayId: string;
  state: 'ok' | 'fault' | 'offline';
  at: Date;
}

/** A sensor, the gateway it speaks through, and the zones it covers. */
export interface ZoneCoverage {
  sensorId: string;
  gatewayId: string;
  zones: readonly string[];
}

/**
 * The spans during which each zone-covering sensor could not see: while it was not ok itself,
 * or while its gateway was not ok. `changes` are one site's, in the order they happened; the
 * first change of each subject may lie before the time of interest (its state then).
 */
export function outagesFromHealth(
  siteId: string,
  changes: readonly HealthChange[],
  coverage: readonly ZoneCoverage[],
): SensorOutage[] {
  const spans = new Map<string, { from: Date; to: Date | null }[]>();
  const open = new Map<string, Date>();
  for (const c of changes) {
    const subject = `${c.subjectType}/${c.subjectId}`;
    const since = open.get(subject);
    if (c.state !== 'ok' && since === undefined) open.set(subject, c.at);
    if (c.state === 'ok' && since !== undefined) {
      open.delete(subject);
      spans.set(subject, [...(spans.get(subject) ?? []), { from: since, to: c.at }]);
    }
  }
  for (const [subject, since] of open) spans.set(subject, [...(spans.get(subject) ?? []), { from: since, to: null }]);

  const outages: SensorOutage[] = [];
  for (const sensor of coverage) {
    const down = [
      ...(spans.get(`sensor/${sensor.sensorId}`) ?? []),
      ...(spans.get(`gateway/${sensor.gatewayId}`) ?? []),
    ];
    for (const zone of sensor.zones) {
      for (const span of down) outages.push({ siteId, zone, sensorId: sensor.sensorId, from: span.from, to: span.to });
    }
  }
  return outages;
}
