import { seeded } from '../geo';
import type { Scenario, ScenarioStep } from '../scenario';
import type { ScenarioClock } from '../scenario-clock';

const ATTACKER = '10.20.9.14'; // a maintenance-VLAN laptop
const PLC = '10.20.1.30'; // plc-crusher-3
const HMI = '10.20.1.12';
/** Industrial and management ports an nmap sweep of a PLC touches: Modbus, S7, EtherNet/IP, DNP3, OPC UA, BACnet, … */
const PORTS = [
  21, 22, 23, 80, 102, 443, 502, 503, 789, 1911, 1962, 2222, 2404, 4840, 5007, 5094, 9600, 18245, 20000, 34962, 34963,
  34964, 44818, 47808,
];
const SENSOR = 'ids-ot-1';
const GATEWAY = 'gw-ot';

/**
 * Someone on the maintenance VLAN sweeps the crusher PLC's ports (Suricata's nmap signature,
 * one alert per probed port), tries the HMI's web console with default passwords, and minutes
 * later the crusher PLC cabinet is opened: the cyber reconnaissance and the physical tamper
 * of one attack on the OT network.
 */
export const otScanThenTamper: Scenario = {
  name: 'ot-scan-then-tamper',
  summary: `Suricata on the OT network sees a port scan of the crusher PLC (${PORTS.length} ports), failed HMI logins, then the PLC cabinet is tampered with`,
  expect:
    'a cyber incident opens at the first scan alert and is updated by the login failures; a theft incident (tamper, zone crusher-3) opens six minutes in',
  durationMs: 8 * 60_000,
  when: 'recent',
  gateways: [
    { gatewayId: GATEWAY, sensors: [SENSOR] },
    { gatewayId: 'gw-plant', sensors: ['cab-crusher-3'] },
  ],
  steps(clock) {
    const random = seeded(7);
    const flowId = () => Math.floor(random() * 2 ** 50) + 2 ** 49; // 51-bit, as Suricata writes them
    const steps: ScenarioStep[] = [];
    let t = 30_000;
    for (const port of PORTS) {
      t += 300 + Math.floor(random() * 1500);
      steps.push(
        alert(clock, t, {
          flowId: flowId(),
          srcPort: 40_000 + Math.floor(random() * 20_000),
          dstIp: PLC,
          dstPort: port,
          appProto: 'failed',
          sid: 2009582,
          rev: 3,
          signature: 'ET SCAN NMAP -sS window 1024',
          category: 'Attempted Information Leak',
          severity: 2,
          micros: Math.floor(random() * 1000),
        }),
      );
    }
    // The sweep's flows time out: Suricata writes a flow record, which OreGuard counts and drops.
    steps.push({
      at: t + 30_000,
      gatewayId: GATEWAY,
      suricata: {
        sensorId: SENSOR,
        record: {
          timestamp: clock.suricata(t + 30_000, 412),
          flow_id: flowId(),
          in_iface: 'enp3s0',
          event_type: 'flow',
          src_ip: ATTACKER,
          src_port: 51_544,
          dest_ip: PLC,
          dest_port: 502,
          proto: 'TCP',
          app_proto: 'modbus',
          flow: {
            pkts_toserver: 3,
            pkts_toclient: 2,
            bytes_toserver: 180,
            bytes_toclient: 120,
            start: clock.suricata(t, 0),
            end: clock.suricata(t + 1000, 0),
            age: 1,
            state: 'closed',
            reason: 'timeout',
            alerted: true,
          },
        },
      },
    });
    // Default-password attempts on the HMI's web console: one HTTP flow, one alert per transaction.
    const loginFlow = flowId();
    for (let i = 0; i < 5; i++) {
      steps.push(
        alert(clock, 3 * 60_000 + i * 7_000, {
          flowId: loginFlow,
          txId: i,
          srcPort: 52_118,
          dstIp: HMI,
          dstPort: 443,
          appProto: 'http',
          sid: 9_100_211,
          rev: 1,
          signature: 'OREGUARD LOCAL failed login to the crusher HMI web console',
          category: 'Attempt to login by a default username and password',
          severity: 1,
          micros: Math.floor(random() * 1000),
        }),
      );
    }
    steps.push({
      at: 6 * 60_000 + 20_000,
      gatewayId: 'gw-plant',
      event: {
        sensorId: 'cab-crusher-3',
        kind: 'theft',
        severity: 'critical',
        zone: 'crusher-3',
        theft: {
          category: 'tamper',
          description: 'PLC cabinet door opened with no work order; programming port cover removed (plc-crusher-3)',
        },
      },
    });
    return steps;
  },
};

interface AlertSpec {
  flowId: number;
  txId?: number;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  appProto: string;
  sid: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
  micros: number;
}

/** An EVE alert record as Suricata 7 writes it. */
function alert(clock: ScenarioClock, at: number, a: AlertSpec): ScenarioStep {
  return {
    at,
    gatewayId: GATEWAY,
    suricata: {
      sensorId: SENSOR,
      record: {
        timestamp: clock.suricata(at, a.micros),
        flow_id: a.flowId,
        in_iface: 'enp3s0',
        event_type: 'alert',
        src_ip: ATTACKER,
        src_port: a.srcPort,
        dest_ip: a.dstIp,
        dest_port: a.dstPort,
        proto: 'TCP',
        pkt_src: 'wire/pcap',
        ...(a.txId !== undefined && { tx_id: a.txId }),
        alert: {
          action: 'allowed',
          gid: 1,
          signature_id: a.sid,
          rev: a.rev,
          signature: a.signature,
          category: a.category,
          severity: a.severity,
        },
        app_proto: a.appProto,
        direction: 'to_server',
        flow: {
          pkts_toserver: 1,
          pkts_toclient: 0,
          bytes_toserver: 74,
          bytes_toclient: 0,
          start: clock.suricata(at - 40, a.micros),
          src_ip: ATTACKER,
          dest_ip: a.dstIp,
          src_port: a.srcPort,
          dest_port: a.dstPort,
        },
      },
    },
  };
}
