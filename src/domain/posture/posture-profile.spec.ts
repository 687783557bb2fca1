import { EscalationLimitsSchema } from '../incidents/escalation-limits';
import {
  postureCountBounds,
  postureEscalationLimits,
  postureSeverity,
  postureTimespanMs,
  silencesSuspended,
} from './apply-profile';
import { defaultPostureProfiles, parsePostureProfiles } from './posture-profile';

describe('posture profiles', () => {
  const profiles = defaultPostureProfiles();
  const base = EscalationLimitsSchema.parse('info=off,low=4h,medium=1h,high=15m,critical=5m');

  it('change nothing at normal', () => {
    expect(postureEscalationLimits(base, profiles.normal)).toEqual(base);
    expect(postureSeverity({ kind: 'drone', zone: 'haul-road', severity: 'medium' }, profiles.normal)).toBe('medium');
    expect(postureCountBounds({ gte: 10 }, profiles.normal)).toEqual({ gte: 10 });
    expect(silencesSuspended(profiles.normal)).toBe(false);
  });

  it('shorten escalation limits at high, never lengthening a configured one', () => {
    expect(postureEscalationLimits(base, profiles.high)).toEqual({
      info: null,
      low: 3_600_000,
      medium: 900_000,
      high: 300_000,
      critical: 120_000,
    });
    const tight = EscalationLimitsSchema.parse('high=1m');
    expect(postureEscalationLimits(tight, profiles.high).high).toBe(60_000);
  });

  it('raise the severity of chosen kinds and zones only', () => {
    const custom = parsePostureProfiles('high: { severity: [{ kinds: [theft], zones: [ore-yard], raise: 2 }] }');
    if (!custom.ok) throw new Error(custom.error);
    expect(postureSeverity({ kind: 'theft', zone: 'ore-yard', severity: 'medium' }, custom.profiles.high)).toBe(
      'critical',
    );
    expect(postureSeverity({ kind: 'theft', zone: 'north-fence', severity: 'medium' }, custom.profiles.high)).toBe(
      'medium',
    );
    expect(postureSeverity({ kind: 'cyber', zone: 'ore-yard', severity: 'medium' }, custom.profiles.high)).toBe(
      'medium',
    );
    expect(postureSeverity({ kind: 'drone', severity: 'high' }, profiles.high)).toBe('critical');
    expect(postureSeverity({ kind: 'cyber', severity: 'high' }, profiles.high)).toBe('high');
  });

  it('tighten rule thresholds: lower counts (at least one event), longer windows', () => {
    expect(postureCountBounds({ gte: 10 }, profiles.high)).toEqual({ gte: 5 });
    expect(postureCountBounds({ gte: 1, lte: 4 }, profiles.exceptional)).toEqual({ gte: 1, lte: 4 });
    expect(postureTimespanMs(120_000, profiles.high)).toBe(240_000);
  });

  it('suspend silences at exceptional', () => {
    expect(silencesSuspended(profiles.exceptional)).toBe(true);
  });

  it('name the level and field of a bad profile file', () => {
    expect(parsePostureProfiles('high: { escalateAfter: "high=soon" }')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^high\.escalateAfter: /),
    });
    expect(parsePostureProfiles('severe: {}')).toMatchObject({ ok: false, error: expect.stringContaining('severe') });
    expect(parsePostureProfiles('high: { rules: { countFactor: 2 } }')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^high\.rules\.countFactor: /),
    });
  });
});
