import { randomUUID } from 'node:crypto';

/** Canonical events as gateways publish them; override any field. */
export function aDroneEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    sensorId: 'rf-mast-2',
    kind: 'drone',
    occurredAt: new Date().toISOString(),
    severity: 'medium',
    zone: 'tailings-east',
    drone: { detection: 'rf', position: { lat: -10.7148, lon: 25.4663, altM: 120 }, trackId: 'trk-1' },
    ...overrides,
  };
}

export function aCyberEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    sensorId: 'ids-ot-1',
    kind: 'cyber',
    occurredAt: new Date().toISOString(),
    severity: 'high',
    cyber: {
      category: 'scan',
      signature: 'ET SCAN Nmap Scripting Engine User-Agent Detected',
      signatureId: 2009358,
      srcIp: '10.20.0.15',
      srcPort: 51234,
      dstIp: '10.30.1.7',
      dstPort: 502,
      protocol: 'TCP',
      network: 'ot',
      asset: 'plc-crusher-3',
    },
    ...overrides,
  };
}

export function aTheftEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    sensorId: 'fence-north-4',
    kind: 'theft',
    occurredAt: new Date().toISOString(),
    severity: 'high',
    zone: 'north-fence',
    theft: { category: 'perimeter_breach', description: 'Fence vibration and cut detected' },
    ...overrides,
  };
}
