import type { SingleMessageInput } from 'src/domain/remote-id/remote-id-encoder';
import { bearing, offset, round, seeded } from '../geo';
import type { LatLon } from '../geo';
import type { Scenario, ScenarioStep } from '../scenario';
import type { ScenarioClock } from '../scenario-clock';
import { SITE_ELEVATION_M, SITE_MAP } from '../site-map';

const GATEWAY = 'gw-airspace';
const SENSOR = 'rid-rx-1';
const DURATION_MS = 90_000;

interface Transmitter {
  mac: string;
  transport: 'ble' | 'wifi';
  basicId: SingleMessageInput;
  operatorId: SingleMessageInput;
  pilot: LatLon;
  /** Where it is `t` ms in, at height `heightM` above take-off. */
  path(t: number): LatLon;
  heightM: number;
  speedMps: number;
}

/** A hobby quad on Bluetooth crossing the tailings towards the plant. */
const HOBBY_QUAD: Transmitter = {
  mac: '60:60:1f:3a:7c:01',
  transport: 'ble',
  basicId: { type: 'basic_id', idType: 'serial_number', uaType: 'helicopter_or_multirotor', uasId: '1596F3A9C2470013' },
  operatorId: { type: 'operator_id', operatorId: 'ZMB-87a3f0c1e2' },
  pilot: offset(SITE_MAP.tailingsEast, -900, 650),
  path: (t) => offset(SITE_MAP.tailingsEast, -400 + (t / 1000) * 8, 300 - (t / 1000) * 5),
  heightM: 90,
  speedMps: 9.4,
};

/** A registered fixed-wing on Wi-Fi beacons, loitering over pit 2: every beacon a message pack. */
const FIXED_WING: Transmitter = {
  mac: 'a4:cf:12:9e:40:b7',
  transport: 'wifi',
  basicId: { type: 'basic_id', idType: 'caa_registration', uaType: 'aeroplane', uasId: 'COD-UAS-1207' },
  operatorId: { type: 'operator_id', operatorId: 'COD-OP-0311' },
  pilot: offset(SITE_MAP.pit2, 1200, -1500),
  path: (t) => {
    const angle = (t / 1000) * (18 / 350);
    return offset(SITE_MAP.pit2, 350 * Math.cos(angle), 350 * Math.sin(angle));
  },
  heightM: 110,
  speedMps: 18,
};

/**
 * A Remote ID receiver's raw stream, as it hears two transmitters: ASTM F3411 messages in hex.
 * The Bluetooth quad sends one message per advertisement: a Location every second, Basic ID
 * every 3 s, System (pilot position) every 5 s and Operator ID every 10 s. The Wi-Fi plane
 * sends a beacon every second carrying a message pack of all four.
 */
export const remoteIdStream: Scenario = {
  name: 'remote-id-stream',
  summary:
    'a Remote ID receiver hears two drones for 90 s: a Bluetooth quad (single messages) and a Wi-Fi fixed-wing (message packs), Location every second',
  expect:
    'one drone incident opens and is updated as fixes arrive; each event carries the uasId, operator id and pilot position its transmitter broadcast',
  durationMs: DURATION_MS,
  when: 'recent',
  gateways: [{ gatewayId: GATEWAY, sensors: [SENSOR] }],
  steps(clock) {
    const rssi = seeded(3);
    const steps: ScenarioStep[] = [];
    const heard = (at: number, tx: Transmitter, messages: SingleMessageInput[], pack: boolean): ScenarioStep => ({
      at,
      gatewayId: GATEWAY,
      remoteId: {
        sensorId: SENSOR,
        transmitter: tx.mac,
        rssi: Math.round((tx.transport === 'ble' ? -78 : -64) + rssi() * 10),
        transport: tx.transport,
        messages: pack ? [{ type: 'message_pack', messages }] : messages,
      },
    });
    for (let t = 0; t < DURATION_MS; t += 1000) {
      const second = t / 1000;
      // The quad: one advertisement per message, a few ms apart.
      steps.push(heard(t, HOBBY_QUAD, [location(clock, t, HOBBY_QUAD)], false));
      if (second % 3 === 0) steps.push(heard(t + 30, HOBBY_QUAD, [HOBBY_QUAD.basicId], false));
      if (second % 5 === 0) steps.push(heard(t + 60, HOBBY_QUAD, [system(clock, t, HOBBY_QUAD)], false));
      if (second % 10 === 0) steps.push(heard(t + 90, HOBBY_QUAD, [HOBBY_QUAD.operatorId], false));
      // The plane: one beacon, one pack.
      steps.push(
        heard(
          t + 400,
          FIXED_WING,
          [
            FIXED_WING.basicId,
            location(clock, t + 400, FIXED_WING),
            system(clock, t + 400, FIXED_WING),
            FIXED_WING.operatorId,
          ],
          true,
        ),
      );
    }
    return steps;
  },
};

/** The fix the transmitter took 200 ms before the receiver heard it. */
function location(clock: ScenarioClock, heardAt: number, tx: Transmitter): SingleMessageInput {
  const fixAt = heardAt - 200;
  const position = tx.path(fixAt);
  return {
    type: 'location',
    status: 'airborne',
    heightType: 'above_takeoff',
    position,
    directionDeg: round(bearing(position, tx.path(fixAt + 1000)), 0),
    speedMps: tx.speedMps,
    verticalSpeedMps: 0,
    geodeticAltitudeM: SITE_ELEVATION_M + tx.heightM,
    pressureAltitudeM: SITE_ELEVATION_M + tx.heightM + 6,
    heightM: tx.heightM,
    horizontalAccuracyM: 3,
    verticalAccuracyM: 10,
    speedAccuracyMps: 1,
    tenthsAfterHour: clock.tenthsAfterHour(fixAt),
    timestampAccuracyS: 0.2,
  };
}

function system(clock: ScenarioClock, at: number, tx: Transmitter): SingleMessageInput {
  return {
    type: 'system',
    operatorLocationType: 'live_gnss',
    operatorPosition: tx.pilot,
    operatorAltitudeM: SITE_ELEVATION_M + 1.5,
    timestamp: clock.instant(at),
  };
}
