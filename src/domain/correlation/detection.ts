import type { Scalar, Selection } from './rule.schema';
import { fieldGetter } from './field-path';

/** A compiled Sigma detection: true when the event matches. */
export type EventPredicate = (event: unknown) => boolean;

/** A fault in a detection, with the path (under `detection`) of the part at fault. */
export class DetectionError extends Error {
  constructor(
    readonly path: string[],
    message: string,
  ) {
    super(message);
  }
}

const MODIFIERS = ['contains', 'startswith', 'endswith', 'gt', 'gte', 'lt', 'lte', 'all', 'exists'] as const;
type Modifier = (typeof MODIFIERS)[number];

/**
 * Compiles a Sigma detection: named selections and a condition over their names with
 * `and`, `or`, `not`, parentheses, `1 of name*` and `all of name*` (`them` for every selection).
 * Matching follows Sigma: a list of values is any of them (all of them with `|all`), strings
 * compare case-insensitively, a missing field matches only `null`.
 * Modifiers: contains, startswith, endswith, gt, gte, lt, lte, all, exists.
 */
export function compileDetection(selections: Record<string, Selection>, condition: string): EventPredicate {
  const compiled = new Map<string, EventPredicate>();
  for (const [name, selection] of Object.entries(selections)) compiled.set(name, compileSelection(name, selection));
  return new ConditionParser(condition, compiled).parse();
}

function compileSelection(name: string, selection: Selection): EventPredicate {
  const maps = Array.isArray(selection) ? selection : [selection];
  const alternatives = maps.map((map, index) => {
    const tests = Object.entries(map).map(([key, value]) =>
      compileFieldTest([name, ...(Array.isArray(selection) ? [String(index)] : []), key], key, value),
    );
    return (event: unknown) => tests.every((test) => test(event));
  });
  return alternatives.length === 1 ? alternatives[0] : (event) => alternatives.some((a) => a(event));
}

function compileFieldTest(path: string[], key: string, value: Scalar | Scalar[]): EventPredicate {
  const [field, ...modifierNames] = key.split('|');
  if (field === '') throw new DetectionError(path, 'a field name before the modifiers');
  for (const m of modifierNames) {
    if (!MODIFIERS.includes(m as Modifier)) {
      throw new DetectionError(path, `unknown modifier "${m}"; known: ${MODIFIERS.join(', ')}`);
    }
  }
  const modifiers = modifierNames as Modifier[];
  const get = fieldGetter(field);
  const values = Array.isArray(value) ? value : [value];
  const all = modifiers.includes('all');

  if (modifiers.includes('exists')) {
    if (values.length !== 1 || typeof values[0] !== 'boolean')
      throw new DetectionError(path, '|exists takes true or false');
    const wanted = values[0];
    return (event) => (get(event) !== undefined && get(event) !== null) === wanted;
  }
  const comparison = modifiers.find((m) => m === 'gt' || m === 'gte' || m === 'lt' || m === 'lte');
  let test: (actual: unknown, expected: Scalar) => boolean;
  if (comparison) {
    if (values.some((v) => typeof v !== 'number'))
      throw new DetectionError(path, `|${comparison} compares with numbers`);
    test = numberTest(comparison);
  } else {
    const textModifier = modifiers.find((m) => m === 'contains' || m === 'startswith' || m === 'endswith');
    test = textModifier ? textTest(textModifier) : equalsTest;
  }
  const prepared = values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  return all
    ? (event) => {
        const actual = get(event);
        return prepared.every((expected) => test(actual, expected));
      }
    : (event) => {
        const actual = get(event);
        for (const expected of prepared) if (test(actual, expected)) return true;
        return false;
      };
}

function equalsTest(actual: unknown, expected: Scalar): boolean {
  if (expected === null) return actual === undefined || actual === null;
  if (actual === undefined || actual === null) return false;
  if (typeof expected === 'string') return String(actual).toLowerCase() === expected;
  return actual === expected || String(actual).toLowerCase() === String(expected).toLowerCase();
}

function textTest(modifier: 'contains' | 'startswith' | 'endswith'): (actual: unknown, expected: Scalar) => boolean {
  return (actual, expected) => {
    if (actual === undefined || actual === null || expected === null) return false;
    const text = String(actual).toLowerCase();
    const wanted = String(expected);
    return modifier === 'contains'
      ? text.includes(wanted)
      : modifier === 'startswith'
        ? text.startsWith(wanted)
        : text.endsWith(wanted);
  };
}

function numberTest(modifier: 'gt' | 'gte' | 'lt' | 'lte'): (actual: unknown, expected: Scalar) => boolean {
  return (actual, expected) => {
    if (typeof actual !== 'number') return false;
    const e = expected as number;
    return modifier === 'gt'
      ? actual > e
      : modifier === 'gte'
        ? actual >= e
        : modifier === 'lt'
          ? actual < e
          : actual <= e;
  };
}

/** Recursive descent over: or ← and ← not ← ( … ) | N of pattern | name. */
class ConditionParser {
  private readonly tokens: string[];
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly selections: Map<string, EventPredicate>,
  ) {
    this.tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  }

  parse(): EventPredicate {
    if (this.tokens.length === 0) this.fail('is empty');
    const predicate = this.or();
    if (this.position < this.tokens.length) this.fail(`has "${this.tokens[this.position]}" where it should end`);
    return predicate;
  }

  private or(): EventPredicate {
    const parts = [this.and()];
    while (this.peek() === 'or') {
      this.position++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : (event) => parts.some((p) => p(event));
  }

  private and(): EventPredicate {
    const parts = [this.not()];
    while (this.peek() === 'and') {
      this.position++;
      parts.push(this.not());
    }
    return parts.length === 1 ? parts[0] : (event) => parts.every((p) => p(event));
  }

  private not(): EventPredicate {
    if (this.peek() === 'not') {
      this.position++;
      const inner = this.not();
      return (event) => !inner(event);
    }
    return this.atom();
  }

  private atom(): EventPredicate {
    const token = this.tokens[this.position++];
    if (token === undefined) return this.fail('ends too early');
    if (token === '(') {
      const inner = this.or();
      if (this.tokens[this.position++] !== ')') this.fail('misses a closing parenthesis');
      return inner;
    }
    if (token === '1' || token === 'all' || token === 'any') {
      if (this.peek() === 'of') {
        this.position++;
        const pattern = this.tokens[this.position++];
        if (pattern === undefined) return this.fail(`ends after "${token} of"`);
        const members = this.matching(pattern);
        return token === 'all' ? (event) => members.every((m) => m(event)) : (event) => members.some((m) => m(event));
      }
    }
    if (['and', 'or', ')', 'of'].includes(token)) return this.fail(`has "${token}" where a selection name belongs`);
    const selection = this.selections.get(token);
    if (!selection) return this.fail(`names "${token}", which is not a selection of this rule`);
    return selection;
  }

  private matching(pattern: string): EventPredicate[] {
    const names = [...this.selections.keys()];
    const chosen =
      pattern === 'them'
        ? names
        : pattern.endsWith('*')
          ? names.filter((n) => n.startsWith(pattern.slice(0, -1)))
          : names.filter((n) => n === pattern);
    if (chosen.length === 0) this.fail(`"${pattern}" matches no selection`);
    return chosen.map((n) => this.selections.get(n)!);
  }

  private peek(): string | undefined {
    return this.tokens[this.position]?.toLowerCase();
  }

  private fail(message: string): never {
    throw new DetectionError(['condition'], `the condition "${this.text}" ${message}`);
  }
}
