import { join } from 'node:path';
import { loadRules } from '../../correlation/load-rules';
import { contextFromOutages } from './blind-zones';
import { correlate } from './correlate';
import { aCyberEvent, aDroneEvent, aTheftEvent, minutesAfter, t } from './fixtures/correlation-events';

const rules = loadRules(join(__dirname, '../../../rules'));
const fired = (matches: ReturnType<typeof correlate>) => matches.map((m) => m.ruleId);

describe('default rules for a mineral site', () => {
  describe('coordinated-intrusion', () => {
    it('is critical when a drone is overhead 4 minutes before the north fence is cut', () => {
      const drone = aDroneEvent({ at: '02:10', zone: 'tailings-east' });
      const breach = aTheftEvent({ at: '02:14', zone: 'north-fence' });
      expect(correlate([drone, breach], rules)).toEqual([
        expect.objectContaining({
          ruleId: 'coordinated-intrusion',
          title: 'Drone overflight with perimeter breach',
          severity: 'critical',
          eventKeys: [drone.key, breach.key].sort(),
        }),
      ]);
    });

    it('also fires when the drone comes after the breach', () => {
      const events = [aTheftEvent({ at: '02:14', zone: 'north-fence' }), aDroneEvent({ at: '02:28' })];
      expect(fired(correlate(events, rules))).toEqual(['coordinated-intrusion']);
    });

    it('does not fire when the drone left 16 minutes before the breach', () => {
      const events = [aDroneEvent({ at: '02:10' }), aTheftEvent({ at: '02:26', zone: 'north-fence' })];
      expect(correlate(events, rules)).toEqual([]);
    });

    it('does not relate a drone at one site to a breach at another', () => {
      const events = [
        aDroneEvent({ at: '02:10', site: 'tarkwa-2' }),
        aTheftEvent({ at: '02:12', zone: 'north-fence' }),
      ];
      expect(correlate(events, rules)).toEqual([]);
    });

    it('folds further drone detections into the same match instead of opening another', () => {
      const events = [
        aDroneEvent({ at: '02:10' }),
        aTheftEvent({ at: '02:14', zone: 'north-fence' }),
        aDroneEvent({ at: '02:20' }),
        aDroneEvent({ at: '02:27' }),
      ];
      const matches = correlate(events, rules);
      expect(matches).toHaveLength(1);
      expect(matches[0].eventKeys).toHaveLength(4);
    });
  });

  describe('ot-cyber-then-theft', () => {
    it('is critical when a PLC is attacked and the stockpile loses material 20 minutes later', () => {
      const cyber = aCyberEvent({ at: '01:00', network: 'ot', asset: 'plc-crusher-3' });
      const loss = aTheftEvent({ at: '01:20', zone: 'stockpile', category: 'material_loss' });
      expect(correlate([cyber, loss], rules)).toEqual([
        expect.objectContaining({
          ruleId: 'ot-cyber-then-theft',
          severity: 'critical',
          eventKeys: [cyber.key, loss.key].sort(),
        }),
      ]);
    });

    it('does not fire when the theft came first', () => {
      const events = [
        aTheftEvent({ at: '01:00', zone: 'stockpile', category: 'tamper' }),
        aCyberEvent({ at: '01:05', network: 'ot' }),
      ];
      expect(correlate(events, rules)).toEqual([]);
    });

    it('does not fire for an IT-network event, nor after 30 minutes', () => {
      const events = [
        aCyberEvent({ at: '01:00', network: 'it' }),
        aTheftEvent({ at: '01:10', zone: 'stockpile', category: 'tamper', key: 'late-tamper-1' }),
        aCyberEvent({ at: '03:00', network: 'ot' }),
        aTheftEvent({ at: '03:31', zone: 'stockpile', category: 'tamper' }),
      ];
      expect(correlate(events, rules)).toEqual([]);
    });
  });

  describe('drone-loitering', () => {
    it('fires on 3 detections of one track within 10 minutes', () => {
      const events = ['02:00', '02:04', '02:09'].map((at) => aDroneEvent({ at, trackId: 'trk-7' }));
      const matches = correlate(events, rules);
      expect(matches).toEqual([
        expect.objectContaining({ ruleId: 'drone-loitering', severity: 'high', group: { 'drone.trackId': 'trk-7' } }),
      ]);
      expect(matches[0].eventKeys).toEqual(events.map((e) => e.key).sort());
    });

    it('fires on one track seen for 10 minutes with only two detections', () => {
      const events = [aDroneEvent({ at: '02:00', trackId: 'trk-8' }), aDroneEvent({ at: '02:10', trackId: 'trk-8' })];
      expect(fired(correlate(events, rules))).toEqual(['drone-loitering']);
    });

    it('does not fire on 3 detections spread over different tracks, or one track seen for 9 minutes', () => {
      const events = [
        aDroneEvent({ at: '02:00', trackId: 'trk-1' }),
        aDroneEvent({ at: '02:01', trackId: 'trk-2' }),
        aDroneEvent({ at: '02:02', trackId: 'trk-3' }),
        aDroneEvent({ at: '03:00', trackId: 'trk-4' }),
        aDroneEvent({ at: '03:09', trackId: 'trk-4' }),
      ];
      expect(correlate(events, rules)).toEqual([]);
    });

    it('keeps one loitering match for a long, continuous flight', () => {
      const events = Array.from({ length: 40 }, (_, i) =>
        aDroneEvent({ at: minutesAfter('02:00', i), trackId: 'trk-9' }),
      );
      const matches = correlate(events, rules);
      expect(matches).toHaveLength(1);
      expect(matches[0].eventKeys).toHaveLength(40);
    });
  });

  describe('brute-force', () => {
    const failures = (n: number, everySeconds: number, srcIp = '10.9.9.9') =>
      Array.from({ length: n }, (_, i) =>
        aCyberEvent({
          at: new Date(t('04:00').getTime() + i * everySeconds * 1000),
          category: 'auth_failure',
          srcIp,
          dstPort: 22,
        }),
      );

    it('fires on 10 authentication failures from one source in 2 minutes', () => {
      const events = failures(10, 12);
      expect(correlate(events, rules)).toEqual([
        expect.objectContaining({
          ruleId: 'brute-force',
          severity: 'high',
          group: { 'cyber.srcIp': '10.9.9.9' },
          eventKeys: events.map((e) => e.key).sort(),
        }),
      ]);
    });

    it('does not fire on 9 failures, nor on 10 spread over 3 minutes', () => {
      expect(correlate(failures(9, 5), rules)).toEqual([]);
      expect(correlate(failures(10, 20, '10.8.8.8'), rules)).toEqual([]);
    });

    it('does not add up failures from different sources', () => {
      const events = Array.from({ length: 12 }, (_, i) =>
        aCyberEvent({ at: '04:00', category: 'auth_failure', srcIp: `10.1.1.${i}` }),
      );
      expect(correlate(events, rules)).toEqual([]);
    });
  });

  describe('port-scan', () => {
    const probes = (ports: number[], everySeconds: number) =>
      ports.map((dstPort, i) =>
        aCyberEvent({
          at: new Date(t('05:00').getTime() + i * everySeconds * 1000),
          category: 'scan',
          srcIp: '172.16.0.4',
          dstPort,
        }),
      );

    it('fires on 20 distinct destination ports from one source in 1 minute', () => {
      const events = probes(
        Array.from({ length: 20 }, (_, i) => 1000 + i),
        2,
      );
      expect(fired(correlate(events, rules))).toEqual(['port-scan']);
      expect(correlate(events, rules)[0].reason).toContain('20 or more distinct cyber.dstPort');
    });

    it('does not fire on 30 probes of only 19 ports', () => {
      const events = probes(
        Array.from({ length: 30 }, (_, i) => 1000 + (i % 19)),
        1,
      );
      expect(correlate(events, rules)).toEqual([]);
    });
  });

  describe('material-loss-after-tamper', () => {
    it('fires on a tamper with the weighbridge, then material loss in the same zone', () => {
      const tamper = aTheftEvent({ at: '22:00', zone: 'weighbridge', category: 'tamper' });
      const loss = aTheftEvent({ at: '22:40', zone: 'weighbridge', category: 'material_loss', quantityKg: 800 });
      expect(correlate([tamper, loss], rules)).toEqual([
        expect.objectContaining({
          ruleId: 'material-loss-after-tamper',
          severity: 'high',
          group: { zone: 'weighbridge' },
        }),
      ]);
    });

    it('does not fire when the loss is in another zone', () => {
      const events = [
        aTheftEvent({ at: '22:00', zone: 'weighbridge', category: 'tamper' }),
        aTheftEvent({ at: '22:40', zone: 'ore-yard', category: 'material_loss' }),
      ];
      expect(correlate(events, rules)).toEqual([]);
    });
  });

  describe('breach-in-blind-zone', () => {
    const cameraDown = contextFromOutages([
      { siteId: 'kolwezi-1', zone: 'north-fence', sensorId: 'cam-3', from: t('01:50'), to: t('02:30') },
    ]);

    it('raises the breach one level and says which camera was offline', () => {
      const breach = aTheftEvent({ at: '02:14', zone: 'north-fence', severity: 'high' });
      expect(correlate([breach], rules, cameraDown)).toEqual([
        expect.objectContaining({
          ruleId: 'breach-in-blind-zone',
          severity: 'critical',
          eventKeys: [breach.key],
          reason: expect.stringMatching(/north-fence while cam-3 was offline; severity high raised to critical/),
        }),
      ]);
    });

    it('does not fire once the camera is back, or in a watched zone', () => {
      const events = [
        aTheftEvent({ at: '02:31', zone: 'north-fence' }),
        aTheftEvent({ at: '02:14', zone: 'south-fence' }),
      ];
      expect(correlate(events, rules, cameraDown)).toEqual([]);
    });
  });
});

describe('material-discrepancy-under-drone', () => {
  it('is critical when a drone is over the haul road 25 minutes before a truck leaves without a ticket', () => {
    const drone = aDroneEvent({ at: '02:10', zone: 'haul-road' });
    const skipped = aTheftEvent({
      at: '02:35',
      zone: 'main-gate',
      category: 'material_discrepancy',
      quantityKg: 30_000,
      vehicleId: 'XYZ999',
    });
    expect(correlate([drone, skipped], rules)).toEqual([
      expect.objectContaining({
        ruleId: 'material-discrepancy-under-drone',
        severity: 'critical',
        eventKeys: [drone.key, skipped.key].sort(),
      }),
    ]);
  });

  it('does not fire 31 minutes apart, nor for a material loss a gateway reported', () => {
    const drone = aDroneEvent({ at: '02:10', zone: 'haul-road' });
    expect(
      correlate([drone, aTheftEvent({ at: '02:41', zone: 'main-gate', category: 'material_discrepancy' })], rules),
    ).toEqual([]);
    expect(
      correlate([drone, aTheftEvent({ at: '02:20', zone: 'main-gate', category: 'material_loss' })], rules),
    ).toEqual([]);
  });
});
