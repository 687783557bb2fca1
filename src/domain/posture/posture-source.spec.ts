import { levelOfSource, PostureSourceSchema } from './posture-source';

describe('posture sources', () => {
  it.each([
    ['fpcon', 'Alpha', 'elevated'],
    ['fpcon', 'BRAVO', 'high'],
    ['fpcon', 'charlie', 'high'],
    ['fpcon', 'delta', 'exceptional'],
    ['uk-response', 'heightened', 'elevated'],
    ['uk-response', 'heightened-severe', 'high'],
    ['ntas', 'imminent', 'exceptional'],
    ['isps', '1', 'normal'],
    ['isps', '2', 'high'],
    ['isps', '3', 'exceptional'],
    ['oreguard', 'elevated', 'elevated'],
  ])('maps %s %s to %s', (scheme, value, level) => {
    expect(levelOfSource(PostureSourceSchema.parse({ scheme, value }))).toBe(level);
  });

  it('refuses a value its scheme does not have, naming the values it has', () => {
    const result = PostureSourceSchema.safeParse({ scheme: 'isps', value: 'elevated' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['value'],
      message: expect.stringContaining('one of 1, 2, 3'),
    });
  });
});
