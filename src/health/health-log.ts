import type { Logger } from '@nestjs/common';
import type { Metrics } from 'src/platform/metrics';
import type { HealthEffect } from './health-changes';

/** One line per committed health change, with what it did. */
export function logHealthEffects(logger: Logger, metrics: Metrics, effects: readonly HealthEffect[]): void {
  for (const { siteId, gatewayId, transition: t, incidentId, effect } of effects) {
    metrics.healthChanges.inc({ subject: t.subject.type, state: t.to });
    const what = `${t.subject.type === 'gateway' ? 'Gateway' : 'Sensor'} ${t.subject.id} (gateway ${gatewayId}) at ${siteId} ${t.from ?? 'unknown'} → ${t.to} (${t.reason})`;
    if (effect === 'recorded' || effect === 'resolved') logger.log(effect === 'resolved' ? `${what}: resolved sensor-health incident ${incidentId}` : what);
    else logger.warn(`${what}: ${effect} sensor-health incident ${incidentId}`);
  }
}
