import { CHAIN_GENESIS, canonicalJson, plainNumber, timelineCanonical } from './canonical-json';

describe('the canonical form of a chained entry', () => {
  it('sorts keys by their UTF-8 bytes at every depth and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, B: false })).toBe(
      '{"B":false,"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
    // U+E000 sorts before U+1F600 in UTF-8 (and in PostgreSQL's "C" collation), unlike UTF-16 order.
    expect(canonicalJson({ '\u{1F600}': 1, '\uE000': 2 })).toBe('{"\uE000":2,"\u{1F600}":1}');
  });

  it('orders any keys as their UTF-8 bytes compare, prefixes first', () => {
    // Characters from each range where UTF-16 and UTF-8 orders could part: ASCII, below the
    // surrogates, from U+E000 up, and above U+FFFF (a surrogate pair in UTF-16).
    const alphabet = ['a', 'b', 'Z', '\u00e9', '\u4e2d', '\ud7ff', '\ue000', '\uffee', '\u{10000}', '\u{1F600}'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const keys = new Set<string>();
      while (keys.size < 6) {
        let key = '';
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) key += alphabet[Math.floor(random() * alphabet.length)];
        keys.add(key);
      }
      const object = Object.fromEntries([...keys].map((k) => [k, 0]));
      const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
      // No key is integer-like, so parsing keeps the order in which canonicalJson wrote them.
      expect(Object.keys(JSON.parse(canonicalJson(object)))).toEqual(byBytes);
    }
  });

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalJson('a"b\\c\n\t\u0001é')).toBe('"a\\"b\\\\c\\n\\t\\u0001é"');
  });

  it('writes numbers in plain decimal, as PostgreSQL prints a JSON number', () => {
    expect([1e21, 1.5e-7, -2.5e22, 0.1, -0, 42, 1.25e21].map(plainNumber)).toEqual([
      '1000000000000000000000',
      '0.00000015',
      '-25000000000000000000000',
      '0.1',
      '0',
      '42',
      '1250000000000000000000',
    ]);
    expect(() => canonicalJson(Number.NaN)).toThrow();
  });

  it('pins the bytes of a timeline entry (the same text PostgreSQL hashes: see test/integration/audit-chain.int-spec.ts)', () => {
    expect(
      timelineCanonical({
        incidentId: '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11',
        seq: 1,
        at: '2026-11-29T02:12:44.120Z',
        actor: 'system',
        action: 'opened',
        details: { ruleIds: ['coordinated-intrusion'], eventCount: 2 },
        prevHash: CHAIN_GENESIS,
      }),
    ).toBe(
      '{"action":"opened","actor":"system","at":"2026-11-29T02:12:44.120Z",' +
        '"details":{"eventCount":2,"ruleIds":["coordinated-intrusion"]},' +
        '"incidentId":"7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11",' +
        `"prevHash":"${CHAIN_GENESIS}","seq":1,"v":1}`,
    );
  });
});
