import { z } from 'zod';
import { describeFirstIssue, formatPath } from './describe-issue';

function reasonOf(schema: z.ZodType, input: unknown): string {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected a failure');
  return describeFirstIssue(result.error, input);
}

describe('describeFirstIssue', () => {
  const Position = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number() });

  it('says a missing field is required', () => {
    expect(reasonOf(z.strictObject({ position: Position }), { position: { lat: 1 } })).toBe('position.lon: required');
  });

  it('says which type was expected and what came', () => {
    expect(reasonOf(Position, { lat: '1', lon: 2 })).toBe('lat: must be a number (got "1")');
    expect(reasonOf(z.strictObject({ n: z.int() }), { n: 2.5 })).toBe('n: must be an integer (got 2.5)');
    expect(reasonOf(z.strictObject({ o: z.strictObject({}) }), { o: [] })).toBe('o: must be an object (got an array)');
  });

  it('states inclusive and exclusive bounds', () => {
    expect(reasonOf(Position, { lat: 91, lon: 0 })).toBe('lat: must be at most 90 (got 91)');
    expect(reasonOf(z.strictObject({ a: z.number().gt(-1000) }), { a: -1000 })).toBe(
      'a: must be greater than -1000 (got -1000)',
    );
    expect(reasonOf(z.strictObject({ a: z.number().lt(5) }), { a: 5 })).toBe('a: must be less than 5 (got 5)');
  });

  it('states string and array lengths', () => {
    expect(reasonOf(z.strictObject({ s: z.string().min(1) }), { s: '' })).toBe('s: must not be empty');
    expect(reasonOf(z.strictObject({ s: z.string().min(3) }), { s: 'ab' })).toBe(
      's: must be at least 3 characters long',
    );
    expect(reasonOf(z.strictObject({ s: z.string().max(3) }), { s: 'abcd' })).toBe(
      's: must be at most 3 characters long',
    );
    expect(reasonOf(z.strictObject({ a: z.array(z.number()).max(1) }), { a: [1, 2] })).toBe(
      'a: must have at most 1 items',
    );
  });

  it('lists the allowed values of an enum', () => {
    const Kind = z.strictObject({ kind: z.enum(['drone', 'cyber']) });

    expect(reasonOf(Kind, { kind: 'ufo' })).toBe('kind: must be one of drone, cyber (got "ufo")');
    expect(reasonOf(Kind, {})).toBe('kind: required (one of drone, cyber)');
    expect(reasonOf(z.strictObject({ k: z.literal('a') }), { k: 'b' })).toBe('k: must be "a" (got "b")');
  });

  it('names each unknown key with its full path', () => {
    expect(reasonOf(z.strictObject({ a: z.strictObject({}) }), { a: { b: 1 } })).toBe('a.b: unknown field "b"');
    expect(reasonOf(z.strictObject({}), { x: 1, y: 2 })).toBe('x: unknown field "x" (also "y")');
    expect(reasonOf(z.strictObject({}), { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })).toBe(
      'a: unknown field "a" (also "b", "c", "d", 2 more)',
    );
  });

  it('names the array index in the path', () => {
    expect(
      reasonOf(z.strictObject({ list: z.array(z.strictObject({ v: z.number() })) }), { list: [{ v: 1 }, { v: 'x' }] }),
    ).toBe('list.1.v: must be a number (got "x")');
  });

  it('shows the pattern a string must match, and the string', () => {
    expect(reasonOf(z.strictObject({ id: z.string().regex(/^[a-z]+$/) }), { id: 'A1' })).toBe(
      'id: "A1" must match ^[a-z]+$',
    );
  });

  it('names string formats', () => {
    expect(reasonOf(z.strictObject({ id: z.guid() }), { id: 'x' })).toBe('id: "x" is not a UUID');
    expect(reasonOf(z.strictObject({ ip: z.union([z.ipv4(), z.ipv6()]) }), { ip: 'x' })).toBe(
      'ip: "x" is not an IPv4 address or an IPv6 address',
    );
  });

  it('says what a plain union wanted when the type is wrong', () => {
    const Flow = z.strictObject({ id: z.union([z.number(), z.string()]) });

    expect(reasonOf(Flow, { id: true })).toBe('id: must be a number or a string (got true)');
    expect(reasonOf(Flow, {})).toBe('id: required');
  });

  it('describes a discriminated union by its discriminator', () => {
    const Event = z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('a') }),
      z.strictObject({ kind: z.literal('b') }),
    ]);

    expect(reasonOf(Event, { kind: 'c' })).toBe('kind: must be one of a, b (got "c")');
    expect(reasonOf(Event, {})).toBe('kind: required (one of a, b)');
  });

  it('uses the message of a custom check', () => {
    const Even = z.strictObject({ n: z.number().refine((n) => n % 2 === 0, { message: 'must be even' }) });

    expect(reasonOf(Even, { n: 3 })).toBe('n: must be even');
  });

  it('calls the whole input the payload', () => {
    expect(reasonOf(z.strictObject({}), 'text')).toBe('payload: must be an object (got "text")');
  });

  it('cuts long values and keys so a reason stays short', () => {
    const long = 'k'.repeat(5000);

    const reason = reasonOf(z.strictObject({}), { [long]: 1 });

    expect(reason.length).toBeLessThan(200);
    expect(reason).toMatch(/^k{64}…: unknown field "k{64}…"$/);
  });

  it('never reads inherited properties to show a value', () => {
    expect(reasonOf(z.strictObject({ toString: z.number() }), {})).toBe('toString: required');
  });
});

describe('formatPath', () => {
  it('joins keys with dots and names the root', () => {
    expect(formatPath(['drone', 'position', 'lat'])).toBe('drone.position.lat');
    expect(formatPath([])).toBe('payload');
    expect(formatPath([], 'record')).toBe('record');
  });
});
