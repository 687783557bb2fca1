import { bearing, offset, round } from '../geo';
import type { LatLon } from '../geo';
import type { Scenario, ScenarioStep } from '../scenario';
import { SITE_MAP } from '../site-map';

export const SURVEY_UAS_ID = '1581F5FKD232800D2TK8';
const LEG_M = 600;
const SPACING_M = 80;
const LEGS = 6;
const SPEED_MPS = 10;
const REPORT_EVERY_MS = 5_000;

/**
 * The company's own survey drone maps pit 2 in a lawnmower pattern (six 600 m legs, 80 m
 * apart, 10 m/s), broadcasting Remote ID; the airspace gateway decodes it and reports each fix
 * with the serial number, operator id and pilot position. Exactly the flight a security lead
 * puts on the authorized-drone list by its uasId, so it stops raising incidents.
 */
export const authorizedSurveyFlight: Scenario = {
  name: 'authorized-survey-flight',
  summary: `the site's own survey drone (Remote ID ${SURVEY_UAS_ID}) flies a lawnmower pattern over pit 2 with its pilot at the survey pad`,
  expect: `a low-severity drone incident that grows with each fix; once a lead adds ${SURVEY_UAS_ID} to the authorized drones, such a flight no longer raises one`,
  durationMs: track().at(-1)!.at + 20_000,
  when: 'recent',
  gateways: [{ gatewayId: 'gw-airspace', sensors: ['rid-rx-1'] }],
  steps() {
    const points = track();
    return points.map(({ at, position, headingDeg }): ScenarioStep => ({
      at,
      gatewayId: 'gw-airspace',
      event: {
        sensorId: 'rid-rx-1',
        kind: 'drone',
        severity: 'low',
        zone: 'pit-2',
        drone: {
          detection: 'remote_id',
          uasId: SURVEY_UAS_ID,
          position: { ...position, altM: 120 },
          headingDeg,
          speedMps: SPEED_MPS,
          operatorPosition: SITE_MAP.surveyPad,
          operatorId: 'COD-OP-KOL-0007',
          trackId: SURVEY_UAS_ID,
          model: 'DJI Matrice 350 RTK',
        },
      },
    }));
  },
};

/** Fixes every 5 s along the legs; the turns between legs are flown at the same speed. */
function track(): { at: number; position: LatLon; headingDeg: number }[] {
  const corner = offset(SITE_MAP.pit2, -LEG_M / 2, -((LEGS - 1) * SPACING_M) / 2);
  const waypoints: LatLon[] = [SITE_MAP.surveyPad];
  for (let leg = 0; leg < LEGS; leg++) {
    const east = leg * SPACING_M;
    const [from, to] = leg % 2 === 0 ? [0, LEG_M] : [LEG_M, 0];
    waypoints.push(offset(corner, from, east), offset(corner, to, east));
  }
  waypoints.push(SITE_MAP.surveyPad);
  const fixes: { at: number; position: LatLon; headingDeg: number }[] = [];
  let legStart = 0;
  for (let i = 1; i < waypoints.length; i++) {
    const [a, b] = [waypoints[i - 1], waypoints[i]];
    const lengthM = distance(a, b);
    const legMs = (lengthM / SPEED_MPS) * 1000;
    const firstFix = Math.ceil(legStart / REPORT_EVERY_MS) * REPORT_EVERY_MS;
    for (let t = firstFix; t < legStart + legMs; t += REPORT_EVERY_MS) {
      const f = (t - legStart) / legMs;
      fixes.push({
        at: t,
        position: { lat: round(a.lat + (b.lat - a.lat) * f, 6), lon: round(a.lon + (b.lon - a.lon) * f, 6) },
        headingDeg: bearing(a, b),
      });
    }
    legStart += legMs;
  }
  return fixes;
}

function distance(a: LatLon, b: LatLon): number {
  const north = (b.lat - a.lat) * 111_195;
  const east = (b.lon - a.lon) * 111_195 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(north, east);
}
