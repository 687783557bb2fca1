import type { Scenario } from '../scenario';
import { authorizedSurveyFlight } from './authorized-survey-flight';
import { gatewayDiesMidTheft } from './gateway-dies-mid-theft';
import { nightBreachUnderDrone } from './night-breach-under-drone';
import { otScanThenTamper } from './ot-scan-then-tamper';
import { postureRaisedAfterRegionalAlert } from './posture-raised-after-regional-alert';
import { remoteIdStream } from './remote-id-stream';
import { indicatorsForPartners } from './indicators-for-partners';
import { truckSkipsScaleUnderDrone } from './truck-skips-scale-under-drone';

/** Every scenario `npm run simulate` knows, by name. */
export const SCENARIOS: readonly Scenario[] = [
  nightBreachUnderDrone,
  otScanThenTamper,
  authorizedSurveyFlight,
  gatewayDiesMidTheft,
  remoteIdStream,
  truckSkipsScaleUnderDrone,
  indicatorsForPartners,
  postureRaisedAfterRegionalAlert,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
