import { isBlinding, isRecovery, observeSilence, observeStatus, type GatewayHealth } from './gateway-health';

const t = (hhmm: string) => new Date(`2026-11-29T${hhmm}:00.000Z`);
const unknown: GatewayHealth = { state: null, statusAt: null, offlineAt: null, sensors: new Map() };
const online = (at: string, sensors: { sensorId: string; state: 'ok' | 'fault' | 'offline' }[] = []) => ({
  state: 'online' as const,
  at: t(at),
  sensors,
});

describe('gateway and sensor health', () => {
  it('learns a gateway and its sensors on first sight without raising anything for ok ones', () => {
    const seen = observeStatus(unknown, 'gw-1', online('03:00', [{ sensorId: 'rf-mast-2', state: 'ok' }]));
    expect(seen.applied).toBe(true);
    expect(seen.transitions.map((x) => [x.subject.id, x.from, x.to])).toEqual([
      ['gw-1', null, 'ok'],
      ['rf-mast-2', null, 'ok'],
    ]);
    expect(seen.transitions.some(isBlinding)).toBe(false);
    expect(seen.transitions.some(isRecovery)).toBe(false);
  });

  it('raises a fault of rf-mast-2 and recovers it when the gateway says ok again', () => {
    const first = observeStatus(unknown, 'gw-1', online('03:00', [{ sensorId: 'rf-mast-2', state: 'ok' }])).next;
    const fault = observeStatus(first, 'gw-1', online('03:05', [{ sensorId: 'rf-mast-2', state: 'fault' }]));
    expect(fault.transitions).toEqual([
      {
        subject: { type: 'sensor', id: 'rf-mast-2' },
        from: 'ok',
        to: 'fault',
        at: t('03:05'),
        reason: 'reported fault by gateway gw-1',
      },
    ]);
    expect(isBlinding(fault.transitions[0]!)).toBe(true);
    const back = observeStatus(fault.next, 'gw-1', online('03:09', [{ sensorId: 'rf-mast-2', state: 'ok' }]));
    expect(back.transitions).toHaveLength(1);
    expect(isRecovery(back.transitions[0]!)).toBe(true);
  });

  it('ignores a late heartbeat older than the newest status applied', () => {
    const now = observeStatus(unknown, 'gw-1', online('03:05', [{ sensorId: 'rf-mast-2', state: 'fault' }])).next;
    const late = observeStatus(now, 'gw-1', online('03:01', [{ sensorId: 'rf-mast-2', state: 'ok' }]));
    expect(late).toEqual({ applied: false, next: now, transitions: [] });
  });

  it('changes nothing when the retained status is handed over again after a restart', () => {
    const status = online('03:05', [{ sensorId: 'rf-mast-2', state: 'offline' }]);
    const stored = observeStatus(unknown, 'gw-1', status).next;
    expect(observeStatus(stored, 'gw-1', status)).toMatchObject({ applied: false, transitions: [] });
    const will = { state: 'offline' as const, at: t('02:00') };
    const gone = observeStatus(stored, 'gw-1', will).next;
    expect(observeStatus(gone, 'gw-1', will)).toMatchObject({ applied: false, transitions: [] });
  });

  it('takes the last will though it carries the older time of its connection, as offline since the last word', () => {
    let health = observeStatus(unknown, 'gw-1', online('03:00')).next;
    health = observeStatus(health, 'gw-1', online('03:10')).next;
    const will = observeStatus(health, 'gw-1', { state: 'offline', at: t('02:59') });
    expect(will.transitions).toEqual([
      {
        subject: { type: 'gateway', id: 'gw-1' },
        from: 'ok',
        to: 'offline',
        at: t('03:10'),
        reason: 'last will: connection lost',
      },
    ]);
    // Reconnected with a new will; the old will, replayed, is older than the offline already taken.
    const back = observeStatus(will.next, 'gw-1', online('03:20'));
    expect(back.transitions.map((x) => x.to)).toEqual(['ok']);
    const replayed = observeStatus(back.next, 'gw-1', { state: 'offline', at: t('02:59') });
    expect(replayed.applied).toBe(false);
  });

  it('leaves sensors as they were when a report does not name them', () => {
    const first = observeStatus(unknown, 'gw-1', online('03:00', [{ sensorId: 'cam-1', state: 'fault' }])).next;
    const next = observeStatus(first, 'gw-1', online('03:01', [])).next;
    expect(next.sensors.get('cam-1')).toEqual({ state: 'fault', at: t('03:00') });
  });

  describe('heartbeat silence', () => {
    const interval = 60_000;
    const heard = observeStatus(unknown, 'gw-1', online('03:00')).next;

    it('keeps a gateway online for up to three missed heartbeats', () => {
      expect(observeSilence(heard, 'gw-1', t('03:00'), t('03:02'), interval).transitions).toEqual([]);
    });

    it('takes it offline after three, from the first heartbeat it missed', () => {
      const silent = observeSilence(heard, 'gw-1', t('03:00'), t('03:03'), interval);
      expect(silent.transitions).toMatchObject([{ from: 'ok', to: 'offline', at: t('03:01') }]);
      expect(silent.transitions[0]!.reason).toBe('no heartbeat for 180s (3 intervals of 60s)');
      // Its next heartbeat brings it back, whatever its clock says relative to OreGuard's.
      expect(observeStatus(silent.next, 'gw-1', online('03:04')).transitions).toMatchObject([
        { from: 'offline', to: 'ok' },
      ]);
    });

    it('does not raise a gateway already offline again', () => {
      const gone = observeStatus(heard, 'gw-1', { state: 'offline', at: t('03:01') }).next;
      expect(observeSilence(gone, 'gw-1', t('03:01'), t('04:00'), interval).transitions).toEqual([]);
    });
  });
});
