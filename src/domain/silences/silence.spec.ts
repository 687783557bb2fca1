import { SilenceSpecSchema } from './silence';

const issue = (input: unknown) => {
  const result = SilenceSpecSchema.safeParse(input);
  return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0];
};

describe('a silence as a lead writes it', () => {
  const base = { siteId: 'kolwezi-1', reason: 'Fence replacement by contractors', endsAt: '2026-03-04T16:00:00+02:00' };

  it('accepts a site, an end and a reason, and fixed or weekly times', () => {
    expect(issue(base)).toBeUndefined();
    expect(
      issue({ siteId: 'kolwezi-1', reason: 'Blasting', recurrence: { days: ['tue'], start: '13:00', end: '14:00' } }),
    ).toBeUndefined();
    expect(issue({ ...base, kind: 'cyber', match: { 'cyber.signatureId': [1, '2'] } })).toBeUndefined();
  });

  it('names the field at fault', () => {
    expect(issue({ ...base, zone: 'North Fence' })).toMatch(/^zone: /);
    expect(issue({ ...base, reason: '  ' })).toMatch(/^reason: /);
    expect(issue({ siteId: 'kolwezi-1', reason: 'x' })).toMatch(/^endsAt: required/);
    expect(issue({ ...base, startsAt: '2026-03-05T00:00:00Z' })).toMatch(/^endsAt: must be after startsAt/);
    expect(issue({ ...base, recurrence: { days: ['mon'], start: '25:00', end: '01:00' } })).toMatch(
      /^recurrence\.start: /,
    );
    expect(issue({ ...base, recurrence: { days: ['mon'], start: '01:00', end: '01:00' } })).toMatch(
      /^recurrence\.end: /,
    );
    expect(issue({ ...base, recurrence: { days: ['someday'], start: '01:00', end: '02:00' } })).toMatch(
      /^recurrence\.days/,
    );
    expect(issue({ ...base, match: { 'weather.rain': true } })).toMatch(/^match/);
    expect(issue({ ...base, kind: 'theft', match: { 'cyber.signatureId': 1 } })).toMatch(
      /^match\.cyber\.signatureId: names a cyber field/,
    );
    expect(issue({ ...base, until: 'tomorrow' })).toBeDefined();
  });
});
