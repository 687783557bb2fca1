import type { HealthState } from './gateway-health';

/** A sensor covering a zone, and the gateway it speaks through. */
export interface CoveringSensor {
  sensorId: string;
  gatewayId: string;
}

/** Health as it was at the time asked about; undefined: never reported (taken as ok). */
export interface HealthAt {
  sensor(sensorId: string): HealthState | undefined;
  gateway(gatewayId: string): HealthState | undefined;
}

/** A sensor sees when both it and its gateway are ok (or never said otherwise). */
export function sensorSees(sensor: CoveringSensor, health: HealthAt): boolean {
  return (health.sensor(sensor.sensorId) ?? 'ok') === 'ok' && (health.gateway(sensor.gatewayId) ?? 'ok') === 'ok';
}

/**
 * The zones no covering sensor can see: every sensor covering the zone (or its gateway) is not
 * ok. A zone no sensor is known to cover is not reported blind: OreGuard cannot tell.
 */
export function blindZones(coverage: ReadonlyMap<string, readonly CoveringSensor[]>, health: HealthAt): string[] {
  const blind: string[] = [];
  for (const [zone, sensors] of coverage) {
    if (sensors.length > 0 && !sensors.some((s) => sensorSees(s, health))) blind.push(zone);
  }
  return blind.sort();
}
