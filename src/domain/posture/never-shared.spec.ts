import { withoutPosture } from './never-shared';

describe('posture never shared', () => {
  it('strips the posture an incident opened under and keeps the rest', () => {
    expect(withoutPosture({ id: 'i1', severity: 'high', postureAtOpen: 'exceptional' })).toEqual({
      id: 'i1',
      severity: 'high',
    });
  });
});
