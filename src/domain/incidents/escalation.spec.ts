import type { Severity } from '../events/canonical-event.schema';
import { decideEscalation, escalationClockStart, type EscalationSubject } from './escalation';
import {
  EscalationLimitsSchema,
  DEFAULT_ESCALATION_LIMITS,
  formatLimit,
  type EscalationLimits,
} from './escalation-limits';

/** A time on the night of 29 November 2026, UTC: t('02:14'), t('02:14:30'). */
const t = (time: string) => new Date(`2026-11-29T${time.length === 5 ? `${time}:00` : time}Z`);

const LIMITS: EscalationLimits = EscalationLimitsSchema.parse('low=4h,medium=1h,high=15m,critical=5m');

function anIncident(overrides: Partial<EscalationSubject> = {}): EscalationSubject {
  return { severity: 'high', status: 'open', openedAt: t('02:00'), reopenedAt: null, escalatedAt: null, ...overrides };
}

describe('escalating an incident nobody acknowledges', () => {
  it('leaves a high incident alone until it has waited its 15 minutes', () => {
    expect(decideEscalation(anIncident(), LIMITS, t('02:14:59'))).toEqual({ escalate: false });
  });

  it('raises a high incident to critical once 15 minutes pass without an acknowledgement', () => {
    expect(decideEscalation(anIncident(), LIMITS, t('02:15'))).toEqual({
      escalate: true,
      from: 'high',
      to: 'critical',
      renotify: false,
      waitedMs: 15 * 60_000,
      limitMs: 15 * 60_000,
      reason: 'not acknowledged within 15m, the limit for high',
    });
  });

  it.each<[Severity, Severity, string]>([
    ['low', 'medium', '06:00'],
    ['medium', 'high', '03:00'],
    ['high', 'critical', '02:15'],
  ])('takes %s one step up, to %s, at its own limit', (from, to, at) => {
    expect(decideEscalation(anIncident({ severity: from }), LIMITS, t(at))).toMatchObject({ escalate: true, from, to });
    expect(decideEscalation(anIncident({ severity: from }), LIMITS, new Date(t(at).getTime() - 1))).toEqual({
      escalate: false,
    });
  });

  it('never escalates an acknowledged or a resolved incident, however long it waits', () => {
    for (const status of ['acknowledged', 'resolved'] as const) {
      expect(decideEscalation(anIncident({ status }), LIMITS, t('23:00'))).toEqual({ escalate: false });
    }
  });

  it('never escalates a severity whose limit is off', () => {
    expect(decideEscalation(anIncident({ severity: 'info' }), LIMITS, t('23:00'))).toEqual({ escalate: false });
  });

  it('restarts the clock at each escalation: critical gets its own five minutes after high ran out', () => {
    const escalated = anIncident({ severity: 'critical', escalatedAt: t('02:15') });

    expect(decideEscalation(escalated, LIMITS, t('02:19:59'))).toEqual({ escalate: false });
    expect(decideEscalation(escalated, LIMITS, t('02:20'))).toMatchObject({ escalate: true });
  });

  it('announces a critical incident again, severity unchanged, once per limit while it goes unanswered', () => {
    expect(decideEscalation(anIncident({ severity: 'critical' }), LIMITS, t('02:05'))).toEqual({
      escalate: true,
      from: 'critical',
      to: 'critical',
      renotify: true,
      waitedMs: 5 * 60_000,
      limitMs: 5 * 60_000,
      reason: 'critical and still not acknowledged within 5m, its limit: announced again',
    });
    // Announced at 02:05: nothing more until 02:10.
    expect(decideEscalation(anIncident({ severity: 'critical', escalatedAt: t('02:05') }), LIMITS, t('02:09'))).toEqual(
      { escalate: false },
    );
  });

  it('starts the clock of a reopened incident at its reopening, not at its first opening', () => {
    const reopened = anIncident({ openedAt: t('01:00'), reopenedAt: t('02:00') });

    expect(escalationClockStart(reopened)).toEqual(t('02:00'));
    expect(decideEscalation(reopened, LIMITS, t('02:10'))).toEqual({ escalate: false });
    expect(decideEscalation(reopened, LIMITS, t('02:15'))).toMatchObject({ escalate: true, to: 'critical' });
  });

  it('counts from the latest of opening, reopening and escalation', () => {
    expect(escalationClockStart(anIncident({ reopenedAt: t('02:30'), escalatedAt: t('02:10') }))).toEqual(t('02:30'));
    expect(escalationClockStart(anIncident({ reopenedAt: t('02:10'), escalatedAt: t('02:30') }))).toEqual(t('02:30'));
  });
});

describe('escalation limits as configured', () => {
  it('reads severity=duration pairs, and a severity not named never escalates', () => {
    expect(EscalationLimitsSchema.parse('high=90s, medium = 1500ms')).toEqual({
      info: null,
      low: null,
      medium: 1500,
      high: 90_000,
      critical: null,
    });
  });

  it('turns escalation off altogether with off alone', () => {
    expect(Object.values(EscalationLimitsSchema.parse('off'))).toEqual([null, null, null, null, null]);
  });

  it('has defaults for every severity but info', () => {
    expect(EscalationLimitsSchema.parse(DEFAULT_ESCALATION_LIMITS)).toEqual({
      info: null,
      low: 4 * 3_600_000,
      medium: 3_600_000,
      high: 15 * 60_000,
      critical: 5 * 60_000,
    });
  });

  it.each([
    ['urgent=5m', /"urgent=5m": expected severity=duration/],
    ['high=15', /"high=15": a duration is/],
    ['high=0s', /"high=0s": a duration is/],
    ['high=-5m', /"high=-5m": a duration is/],
    ['high', /"high": expected severity=duration/],
    ['high=5m,high=10m', /"high=10m": high is named twice/],
  ])('refuses %s, saying which pair and why', (text, message) => {
    const result = EscalationLimitsSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(message);
  });

  it('writes limits back in their largest whole unit', () => {
    expect([formatLimit(900_000), formatLimit(5_400_000), formatLimit(1500), formatLimit(86_400_000)]).toEqual([
      '15m',
      '90m',
      '1500ms',
      '1d',
    ]);
  });
});
