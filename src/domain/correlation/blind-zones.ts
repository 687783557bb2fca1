/**
 * OreGuard extension to Sigma: whether a zone was blind when an event occurred. Sigma rules see
 * one event at a time; "a breach in a zone whose camera is offline" also needs the state of the
 * site's sensors at that moment, which the correlation context provides.
 */
export interface CorrelationContext {
  /**
   * The sensors covering `zone` that were offline (or faulty) at `at`, sorted; empty when the
   * zone was watched. Must be a pure function of its arguments for results not to depend on
   * when events arrive.
   */
  blindSensors?(siteId: string, zone: string, at: Date): readonly string[];
}

/** A span during which a sensor covering a zone was offline; `to` null while it still is. */
export interface SensorOutage {
  siteId: string;
  zone: string;
  sensorId: string;
  from: Date;
  to: Date | null;
}

/** A context built from known outages (from gateway status messages and the sensor registry). */
export function contextFromOutages(outages: readonly SensorOutage[]): CorrelationContext {
  const byZone = new Map<string, SensorOutage[]>();
  for (const o of outages) {
    const key = `${o.siteId}\u001f${o.zone}`;
    const list = byZone.get(key) ?? [];
    list.push(o);
    byZone.set(key, list);
  }
  return {
    blindSensors(siteId, zone, at) {
      const list = byZone.get(`${siteId}\u001f${zone}`);
      if (!list) return [];
      const t = at.getTime();
      const offline = list
        .filter((o) => o.from.getTime() <= t && (o.to === null || t < o.to.getTime()))
        .map((o) => o.sensorId);
      return [...new Set(offline)].sort();
    },
  };
}
