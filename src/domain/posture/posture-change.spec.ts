import { decideApproval, decideChange, PostureChangeSpecSchema, type PendingLowering } from './posture-change';

const now = new Date('2026-03-02T10:00:00Z');
const inHours = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();
const spec = (body: object) => PostureChangeSpecSchema.parse(body);
const bravo = {
  level: 'high',
  reason: 'Regional alert: armed group seen near the haul road',
  source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
};

describe('posture change rules', () => {
  const firstIssue = (body: object) => PostureChangeSpecSchema.safeParse(body).error?.issues[0];

  it('refuses a raise without an expiry, naming expiresAt', () => {
    expect(firstIssue(bravo)).toMatchObject({ path: ['expiresAt'], message: 'required: a high posture must expire' });
  });

  it('refuses a level that is not the one its source stands for, naming level', () => {
    expect(firstIssue({ ...bravo, level: 'elevated', expiresAt: inHours(4) })).toMatchObject({
      path: ['level'],
      message: 'fpcon bravo is high, not elevated',
    });
  });

  it('gives normal no expiry', () => {
    expect(
      firstIssue({
        level: 'normal',
        reason: 'Stood down',
        source: { scheme: 'isps', value: '1' },
        expiresAt: inHours(1),
      }),
    ).toMatchObject({ path: ['expiresAt'] });
  });

  it('applies a raise at once', () => {
    expect(decideChange(spec({ ...bravo, expiresAt: inHours(4) }), { own: 'normal', floor: 'normal' }, now)).toEqual({
      ok: true,
      action: 'apply',
    });
  });

  it('refuses an expiry already past', () => {
    expect(
      decideChange(spec({ ...bravo, expiresAt: inHours(-1) }), { own: 'normal', floor: 'normal' }, now),
    ).toMatchObject({ ok: false, error: 'expiry-past' });
  });

  it('never goes below the floor an admin set, even when raising', () => {
    const elevated = spec({
      level: 'elevated',
      reason: 'Local unrest',
      source: { scheme: 'oreguard', value: 'elevated' },
      expiresAt: inHours(4),
    });
    expect(decideChange(elevated, { own: 'normal', floor: 'high' }, now)).toMatchObject({
      ok: false,
      error: 'below-floor',
      message: expect.stringMatching(/^level: elevated is below the floor of high/),
    });
  });

  it('makes a lowering wait for a second lead', () => {
    const standDown = spec({ level: 'normal', reason: 'Alert lifted', source: { scheme: 'fpcon', value: 'normal' } });
    expect(decideChange(standDown, { own: 'high', floor: 'normal' }, now)).toEqual({
      ok: true,
      action: 'await-approval',
    });
  });

  describe('approving a lowering', () => {
    const pending: PendingLowering = {
      id: 'p1',
      siteId: 'kolwezi-1',
      level: 'normal',
      expiresAt: null,
      requestedById: 'lead-a',
      status: 'pending',
    };

    it('is refused to the lead who asked', () => {
      expect(decideApproval(pending, 'lead-a', 'normal', now)).toMatchObject({ ok: false, error: 'own-request' });
    });

    it('is granted to another lead', () => {
      expect(decideApproval(pending, 'lead-b', 'normal', now)).toEqual({ ok: true });
    });

    it('is refused once a floor above it was set meanwhile, or once it is no longer pending', () => {
      expect(decideApproval(pending, 'lead-b', 'elevated', now)).toMatchObject({ ok: false, error: 'below-floor' });
      expect(decideApproval({ ...pending, status: 'superseded' }, 'lead-b', 'normal', now)).toMatchObject({
        ok: false,
        error: 'not-pending',
      });
    });

    it('is refused past the expiry it asked for', () => {
      expect(
        decideApproval(
          { ...pending, level: 'elevated', expiresAt: new Date(now.getTime() - 1) },
          'lead-b',
          'normal',
          now,
        ),
      ).toMatchObject({ ok: false, error: 'expiry-past' });
    });
  });
});
