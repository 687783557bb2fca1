import { IdentifierSchema, isIdentifier } from './identifiers';

describe('identifiers', () => {
  it.each(['kolwezi-1', 'gw_east', '0', 'a'.repeat(64), 'rf-mast-2'])('accepts %s', (id) => {
    expect(isIdentifier(id)).toBe(true);
    expect(IdentifierSchema.safeParse(id).success).toBe(true);
  });

  it.each(['', 'Kolwezi', '-gw', '_gw', 'a'.repeat(65), 'rf mast', 'rf.mast', 'rf/mast', 'é', 'gw\n'])(
    'refuses %j',
    (id) => {
      expect(isIdentifier(id)).toBe(false);
    },
  );
});
