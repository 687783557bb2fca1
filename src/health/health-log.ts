import type { Logger } from '@nestjs/common';
import type { Metrics } from 'src/platform/metrics';
import type { HealthEffect } from './health-changes';

/** One line per committed health change, with what it did. */
export function logHealthEffects(logger: Logger, metrics: Metrics, effects: readonly HealthEffect[]): void {
  for (const { siteId, gatewayId, transition: t, incidentId, effect } of effects) {
    metrics.healthChanges.inc({ subject: t.subject.type, state: t.to });
    const what = `${t.subject.type === 'gateway' ? 'Gateway' : 'Sensor'} ${t.from ?? 'unknown'} → ${t.to} (${t.reason})`;
    const fields = {
      siteId,
      gatewayId,
      ...(t.subject.type === 'sensor' ? { sensorId: t.subject.id } : {}),
      ...(incidentId ? { incidentId } : {}),
    };
    if (effect === 'recorded') logger.log({ msg: what, ...fields });
    else if (effect === 'resolved') logger.log({ msg: `${what}: resolved sensor-health incident`, ...fields });
    else logger.warn({ msg: `${what}: ${effect} sensor-health incident`, ...fields });
  }
}
