import { approvableLowering, awaitingAcknowledgement, byPosture, needsAttention, postureLine } from './posture';
import type { PostureView } from './types';

const CHANGE_ID = '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

function aPosture(overrides: Partial<PostureView> = {}): PostureView {
  return {
    siteId: 'kolwezi-1',
    level: 'normal',
    own: 'normal',
    floor: 'normal',
    reason: null,
    source: null,
    expiresAt: null,
    change: null,
    floorEntry: null,
    pendingLowering: null,
    acks: [],
    ...overrides,
  };
}

const raisedToHigh = (acknowledgedBy: string | null = null) =>
  aPosture({
    level: 'high',
    own: 'high',
    reason: 'Armed theft at a neighbouring concentrator',
    source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-0412' },
    expiresAt: '2026-12-08T06:00:00.000Z',
    change: {
      changeId: CHANGE_ID,
      level: 'high',
      source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-0412' },
      reason: 'Armed theft at a neighbouring concentrator',
      setBy: 'lead-kim',
      validFrom: '2026-12-05T06:00:00.000Z',
      expiresAt: '2026-12-08T06:00:00.000Z',
      acknowledgedAt: acknowledgedBy ? '2026-12-05T06:04:10.000Z' : null,
      acknowledgedBy,
    },
  });

describe('the posture the console shows', () => {
  it("says a site's own raise with its scheme, reason and expiry, and asks its operators to acknowledge it", () => {
    const posture = raisedToHigh();
    expect(postureLine(posture)).toEqual({
      level: 'high',
      raised: true,
      scheme: 'fpcon bravo (REG-0412)',
      reason: 'Armed theft at a neighbouring concentrator',
      expiresAt: '2026-12-08T06:00:00.000Z',
      floorScope: null,
    });
    expect(awaitingAcknowledgement(posture)).toBe(CHANGE_ID);
    expect(needsAttention(posture)).toBe(true);
  });

  it('stops asking once one operator of the site has acknowledged the change', () => {
    expect(awaitingAcknowledgement(raisedToHigh('op-ana'))).toBeNull();
  });

  it('names the floor, not the site, when a floor holds the site above its own level', () => {
    const posture = aPosture({
      level: 'elevated',
      floor: 'elevated',
      floorEntry: {
        scope: 'copperbelt',
        level: 'elevated',
        source: { scheme: 'oreguard', value: 'elevated' },
        reason: 'Regional threat assessment',
      },
    });
    expect(postureLine(posture)).toMatchObject({
      level: 'elevated',
      scheme: 'oreguard elevated',
      reason: 'Regional threat assessment',
      expiresAt: null,
      floorScope: 'copperbelt',
    });
  });

  it('lists a quiet normal site among the others, and a normal change still waiting for its acknowledgement apart', () => {
    expect(needsAttention(aPosture())).toBe(false);
    const lowered = raisedToHigh();
    const waiting = aPosture({ change: { ...lowered.change!, level: 'normal' } });
    expect(needsAttention(waiting)).toBe(true);
  });

  it('offers a lowering for approval to a lead other than the one who asked, never to an operator', () => {
    const posture = aPosture({
      ...raisedToHigh('op-ana'),
      pendingLowering: {
        id: '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912',
        level: 'elevated',
        reason: 'The regional alert is lifted',
        requestedBy: 'lead-kim',
        requestedAt: '2026-12-06T09:00:00.000Z',
      },
    });
    expect(approvableLowering(posture, 'lead', 'lead-joe')?.level).toBe('elevated');
    expect(approvableLowering(posture, 'admin', 'admin')?.level).toBe('elevated');
    expect(approvableLowering(posture, 'lead', 'lead-kim')).toBeNull();
    expect(approvableLowering(posture, 'operator', 'op-ana')).toBeNull();
  });

  it('puts the most raised sites first', () => {
    const sites = [aPosture({ siteId: 'b' }), aPosture({ siteId: 'c', level: 'exceptional' }), raisedToHigh()];
    expect(sites.sort(byPosture).map((p) => p.siteId)).toEqual(['c', 'kolwezi-1', 'b']);
  });
});
