import { eventUnderPosture } from './event-under-posture';
import type { SitePostureHistory } from './posture-at';
import { defaultPostureProfiles } from './posture-profile';

const t = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00Z`);

describe('an event under the posture at its own time', () => {
  const profiles = defaultPostureProfiles();
  const raisedAtEight: SitePostureHistory = {
    entries: [{ id: 'c1', level: 'high', validFrom: t('08:00'), validTo: null, expiresAt: t('20:00') }],
    floors: [],
  };

  it('folds as it came at a site that never had a posture', () => {
    expect(
      eventUnderPosture(undefined, profiles, { kind: 'theft', severity: 'medium', occurredAt: t('09:00') }),
    ).toEqual({ severity: 'medium', silencesSuspended: false });
  });

  it('is raised by the profile in force at its time, not at the time it is folded', () => {
    expect(
      eventUnderPosture(raisedAtEight, profiles, { kind: 'theft', severity: 'medium', occurredAt: t('09:00') })
        .severity,
    ).toBe('high');
    // A late event from before the raise keeps its severity.
    expect(
      eventUnderPosture(raisedAtEight, profiles, { kind: 'theft', severity: 'medium', occurredAt: t('07:59') })
        .severity,
    ).toBe('medium');
    // The kind's default is raised when the sensor gave none (a drone is medium by default).
    expect(eventUnderPosture(raisedAtEight, profiles, { kind: 'drone', occurredAt: t('09:00') }).severity).toBe('high');
    // Kinds the profile does not name keep what they had, even no severity at all.
    expect(
      eventUnderPosture(raisedAtEight, profiles, { kind: 'cyber', occurredAt: t('09:00') }).severity,
    ).toBeUndefined();
  });

  it('suspends silences only at a level whose profile says so', () => {
    const exceptional: SitePostureHistory = {
      entries: [],
      floors: [{ id: 'f1', level: 'exceptional', region: null, validFrom: t('00:00'), validTo: null, expiresAt: null }],
    };
    expect(eventUnderPosture(exceptional, profiles, { kind: 'cyber', occurredAt: t('09:00') }).silencesSuspended).toBe(
      true,
    );
    expect(
      eventUnderPosture(raisedAtEight, profiles, { kind: 'cyber', occurredAt: t('09:00') }).silencesSuspended,
    ).toBe(false);
  });
});
