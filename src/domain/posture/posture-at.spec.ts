import { postureAt, type PostureEntry, type PostureFloor } from './posture-at';

const t = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00Z`);

describe('postureAt', () => {
  const raised: PostureEntry = {
    id: 'c1',
    level: 'high',
    validFrom: t('08:00'),
    validTo: t('12:00'),
    expiresAt: t('14:00'),
  };
  const exceptional: PostureEntry = {
    id: 'c2',
    level: 'exceptional',
    validFrom: t('12:00'),
    validTo: null,
    expiresAt: t('13:00'),
  };
  const history = [raised, exceptional];

  it('is normal before anything was set', () => {
    expect(postureAt(history, [], t('07:59'))).toMatchObject({
      level: 'normal',
      own: 'normal',
      floor: 'normal',
      entry: null,
    });
  });

  it('takes the entry in force at the time, whichever order the history comes in', () => {
    expect(postureAt(history, [], t('08:00'))).toMatchObject({ level: 'high', entry: { id: 'c1' } });
    expect(postureAt([...history].reverse(), [], t('12:30'))).toMatchObject({
      level: 'exceptional',
      entry: { id: 'c2' },
    });
  });

  it('returns to normal at expiry, even before anyone recorded it', () => {
    expect(postureAt(history, [], t('13:00'))).toMatchObject({ level: 'normal', entry: null });
  });

  it('returns to the floor at expiry, and never goes below the floor', () => {
    const company: PostureFloor = {
      id: 'f1',
      level: 'elevated',
      region: null,
      validFrom: t('00:00'),
      validTo: null,
      expiresAt: null,
    };
    const region: PostureFloor = {
      id: 'f2',
      level: 'high',
      region: 'katanga',
      validFrom: t('12:30'),
      validTo: null,
      expiresAt: t('20:00'),
    };
    expect(postureAt(history, [company, region], t('07:00'))).toMatchObject({
      level: 'elevated',
      own: 'normal',
      floor: 'elevated',
      floorEntry: { id: 'f1' },
    });
    expect(postureAt(history, [company, region], t('13:30'))).toMatchObject({
      level: 'high',
      own: 'normal',
      floor: 'high',
      floorEntry: { id: 'f2' },
    });
    expect(postureAt(history, [company, region], t('12:45'))).toMatchObject({
      level: 'exceptional',
      own: 'exceptional',
      floor: 'high',
    });
  });

  it('gives the same answer for the same history and time (a backtest is reproducible)', () => {
    expect(postureAt(history, [], t('09:00'))).toEqual(postureAt(history, [], t('09:00')));
  });
});
