import type { Scenario, ScenarioStep } from '../scenario';

/** The story's unit: bursts and passes a quarter of an hour apart (heartbeats make a longer story heavy to plan). */
const SLOT = 15 * 60_000;
/** Internet sources that try the site's remote-access gateway. */
const ATTACKERS = ['203.0.114.23', '192.0.3.44', '2a03:2880:f003:c07::face'];
/** An internal address (a contractor's laptop): never shared with anyone. */
const INSIDER = '10.20.9.14';
/** A drone that comes back twice, by its Remote ID serial (ANSI/CTA-2063-A). */
const SERIAL = '1581F5FJD228Y00C0045';
const GATEWAY = 'gw-ot';
const SENSOR = 'ids-ot-1';

/**
 * What allied sites want to hear about: SSH brute-force bursts on the remote-access gateway from
 * three internet addresses, an internal host sweeping ports (never shared), and one drone over
 * the haul road three times. It gives a partner pulling the week's indicators over /taxii2/
 * something to pull, and something it must not see.
 */
export const indicatorsForPartners: Scenario = {
  name: 'indicators-for-partners',
  summary: `SSH brute force from ${ATTACKERS.length} internet addresses, an internal port sweep and a drone (serial ${SERIAL}) passing three times`,
  expect:
    `cyber and drone incidents; a partner pulling /taxii2/sharing/collections/…/objects/?added_after=<a week ago> gets indicators for ` +
    `${ATTACKERS.join(', ')} and the drone serial, never ${INSIDER}, a zone or a sensor; the sightings (TLP:AMBER) only after a lead releases them`,
  durationMs: 8 * SLOT,
  when: 'recent',
  gateways: [
    { gatewayId: GATEWAY, sensors: [SENSOR] },
    { gatewayId: 'gw-north', sensors: ['rf-mast-2'] },
  ],
  steps() {
    const steps: ScenarioStep[] = [];
    ATTACKERS.forEach((srcIp, i) => {
      const start = (1 + 2 * i) * SLOT;
      for (let n = 0; n < 12; n++) {
        steps.push({
          at: start + n * 8_000,
          gatewayId: GATEWAY,
          event: {
            sensorId: SENSOR,
            kind: 'cyber',
            severity: 'medium',
            cyber: {
              category: 'auth_failure',
              signature: 'SSH authentication failure',
              srcIp,
              dstIp: '10.20.0.5',
              dstPort: 22,
              protocol: 'TCP',
              network: 'it',
            },
          },
        });
      }
    });
    for (let port = 0; port < 6; port++) {
      steps.push({
        at: 4 * SLOT + port * 2_000,
        gatewayId: GATEWAY,
        event: {
          sensorId: SENSOR,
          kind: 'cyber',
          severity: 'low',
          cyber: {
            category: 'scan',
            signature: 'Port probe',
            srcIp: INSIDER,
            dstIp: '10.20.1.30',
            dstPort: 500 + port,
            protocol: 'TCP',
            network: 'ot',
          },
        },
      });
    }
    for (const pass of [2, 5, 7]) {
      for (let fix = 0; fix < 4; fix++) {
        steps.push({
          at: pass * SLOT + fix * 30_000,
          gatewayId: 'gw-north',
          event: {
            sensorId: 'rf-mast-2',
            kind: 'drone',
            severity: 'medium',
            zone: 'haul-road',
            drone: {
              detection: 'remote_id',
              uasId: SERIAL,
              position: { lat: -10.7148 + fix * 0.0004, lon: 25.4663, altM: 90 },
              model: 'Mavic 3',
            },
          },
        });
      }
    }
    return steps.sort((a, b) => a.at - b.at);
  },
};
