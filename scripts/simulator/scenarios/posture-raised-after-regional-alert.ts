import type { Scenario, ScenarioStep } from '../scenario';

const GATEWAY = 'gw-it';
const SENSOR = 'ids-it-1';
/** An internet address guessing SSH passwords on the site's remote-access gateway. */
const ATTACKER = '203.0.113.50';
/** One storm: six failed SSH logins 4 s apart, under the default brute-force rule's ten in 2 minutes. */
const STORM = { failures: 6, everyMs: 4_000 };
/** When the regional alert comes in and a lead raises the site to high. */
const RAISE_AT = 3 * 60_000;
/** The second storm starts this long after the raise: the REST call has long returned by then. */
const AFTER_RAISE_MS = 20_000;

/**
 * The same password-guessing storm twice on the site's remote-access gateway: once at normal
 * posture, where six failures stay under brute force's ten in 2 minutes, then again after a
 * regional alert has a lead raise the site to `high` (FPCON Bravo, 12 h), whose profile halves
 * the rule's count and doubles its window. The second storm matches the rule and escalates the
 * storm's incident, and under `high` escalation limits are shorter. The raise is a REST call as
 * a lead (PUT /sites/{id}/posture); from it on the story plays in real time, so each event is
 * judged by the posture in force when it happened.
 */
export const postureRaisedAfterRegionalAlert: Scenario = {
  name: 'posture-raised-after-regional-alert',
  summary: `SSH password guessing from ${ATTACKER} (${STORM.failures} failures) at normal posture; a regional alert raises the site to high; the same storm again`,
  expect:
    'one cyber incident for the guessing; the first storm matches no rule; after the raise (a posture event on /live, to be acknowledged by the operators) ' +
    'the same storm matches brute force under high (half the count, twice the window), the incident becomes high and is escalated on high posture limits',
  durationMs: RAISE_AT + AFTER_RAISE_MS + STORM.failures * STORM.everyMs,
  when: 'recent',
  gateways: [{ gatewayId: GATEWAY, sensors: [SENSOR] }],
  steps() {
    const storm = (start: number): ScenarioStep[] =>
      Array.from({ length: STORM.failures }, (_, n) => ({
        at: start + n * STORM.everyMs,
        gatewayId: GATEWAY,
        event: {
          sensorId: SENSOR,
          kind: 'cyber' as const,
          severity: 'medium' as const,
          cyber: {
            category: 'auth_failure' as const,
            signature: 'SSH authentication failure',
            srcIp: ATTACKER,
            dstIp: '10.20.0.5',
            dstPort: 22,
            protocol: 'TCP',
            network: 'it' as const,
          },
        },
      }));
    return [
      ...storm(30_000),
      {
        at: RAISE_AT,
        posture: {
          level: 'high',
          reason: 'Regional alert: armed group reported near the haul road',
          source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
          expiresInMs: 12 * 3_600_000,
        },
      },
      ...storm(RAISE_AT + AFTER_RAISE_MS),
    ];
  },
};
