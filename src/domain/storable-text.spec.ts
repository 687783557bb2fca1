import { isStorableText, storableText } from './storable-text';

describe('storable text', () => {
  it('refuses a NUL and a surrogate that is not half of a pair, anywhere', () => {
    for (const text of ['\u0000', 'a\u0000b', '\uD800', 'x\uD83D', '\uDE00y', '\uDE00\uD83D'])
      expect(isStorableText(text)).toBe(false);
  });

  it('keeps every other text, emoji (a surrogate pair) included', () => {
    for (const text of ['', 'Kolwezi north fence', 'drone 🚁 over the pit', 'ümlaut\ttab\nline', '\uD83D\uDE00'])
      expect(isStorableText(text)).toBe(true);
  });

  it('names the fault before the other checks, which still apply', () => {
    const schema = storableText().trim().min(1).max(5);
    expect(schema.safeParse('  ok ').data).toBe('ok');
    expect(schema.safeParse('\u0000').error?.issues).toEqual([
      expect.objectContaining({ message: 'must not contain the NUL character or a lone UTF-16 surrogate' }),
    ]);
    expect(schema.safeParse('toolong').success).toBe(false);
  });
});
