import { bearing, offset, round, seeded } from '../geo';
import type { Scenario, ScenarioStep } from '../scenario';
import { SITE_MAP } from '../site-map';

const ORBIT_RADIUS_M = 220;
const ORBIT_SPEED_MPS = 11;
/** The orbit's centre, 150 m outside the north fence. */
const CENTRE = offset(SITE_MAP.northFence, 150, 40);

/**
 * A drone with no Remote ID circles the north fence at night: the RF mast hears its control
 * link, the radar tracks it, and four minutes in the fence sensor reports a cut, then the ore
 * yard camera sees people inside. The classic "drone scouts, crew goes in" pattern.
 */
export const nightBreachUnderDrone: Scenario = {
  name: 'night-breach-under-drone',
  summary:
    'at night, an RF- and radar-tracked drone without Remote ID circles the north fence; the fence is cut, then people are seen in the ore yard',
  expect:
    'a drone incident opens within seconds and grows (updated) as detections arrive; a theft incident opens at the fence cut and is updated by the ore yard intrusion',
  durationMs: 13 * 60_000,
  when: 'night',
  gateways: [
    { gatewayId: 'gw-airspace', sensors: ['rf-mast-2', 'radar-1'] },
    { gatewayId: 'gw-perimeter', sensors: ['fence-north-4', 'fence-north-5', 'cam-yard-2'] },
  ],
  steps() {
    const jitter = seeded(41);
    const steps: ScenarioStep[] = [];
    const orbit = (t: number) => {
      const angle = (t / 1000) * (ORBIT_SPEED_MPS / ORBIT_RADIUS_M);
      const here = offset(CENTRE, ORBIT_RADIUS_M * Math.cos(angle), ORBIT_RADIUS_M * Math.sin(angle));
      const ahead = offset(CENTRE, ORBIT_RADIUS_M * Math.cos(angle + 0.05), ORBIT_RADIUS_M * Math.sin(angle + 0.05));
      return { here, heading: bearing(here, ahead) };
    };
    // RF hears the link every 20 s from the start; its fix is coarse (±40 m).
    for (let t = 0; t <= 12 * 60_000; t += 20_000) {
      const { here } = orbit(t);
      const position = offset(here, (jitter() - 0.5) * 80, (jitter() - 0.5) * 80);
      steps.push({
        at: t,
        gatewayId: 'gw-airspace',
        event: {
          sensorId: 'rf-mast-2',
          kind: 'drone',
          severity: 'high',
          zone: 'north-fence',
          drone: {
            detection: 'rf',
            position,
            trackId: 'rf-trk-2207',
            confidence: round(0.7 + jitter() * 0.2, 2),
            model: 'DJI OcuSync 3 link',
          },
        },
      });
    }
    // The radar picks it up a minute later and tracks it every 10 s, with altitude, heading and speed.
    for (let t = 60_000; t <= 12 * 60_000; t += 10_000) {
      const { here, heading } = orbit(t);
      steps.push({
        at: t + 2_500,
        gatewayId: 'gw-airspace',
        event: {
          sensorId: 'radar-1',
          kind: 'drone',
          severity: 'high',
          zone: 'north-fence',
          drone: {
            detection: 'radar',
            position: {
              ...offset(here, (jitter() - 0.5) * 10, (jitter() - 0.5) * 10),
              altM: round(75 + (jitter() - 0.5) * 8, 1),
            },
            headingDeg: heading,
            speedMps: round(ORBIT_SPEED_MPS + (jitter() - 0.5), 1),
            trackId: 'rdr-trk-0087',
            confidence: round(0.85 + jitter() * 0.1, 2),
          },
        },
      });
    }
    const theft = (
      at: number,
      sensorId: string,
      zone: string,
      category: 'perimeter_breach' | 'unauthorized_access',
      description: string,
      severity: 'high' | 'critical',
    ): ScenarioStep => ({
      at,
      gatewayId: 'gw-perimeter',
      event: { sensorId, kind: 'theft', severity, zone, theft: { category, description } },
    });
    steps.push(
      theft(
        4 * 60_000 + 12_000,
        'fence-north-4',
        'north-fence',
        'perimeter_breach',
        'Fence vibration and cut detected on panel N4-17',
        'high',
      ),
      theft(
        4 * 60_000 + 40_000,
        'fence-north-5',
        'north-fence',
        'perimeter_breach',
        'Fence tension lost on panel N5-02',
        'high',
      ),
      theft(
        7 * 60_000 + 5_000,
        'cam-yard-2',
        'ore-yard',
        'unauthorized_access',
        'Three people on foot near stockpile B, no badge read',
        'critical',
      ),
    );
    return steps;
  },
};
