import type { z } from 'zod';
import { describeValue } from './describe-value';

type Issue = z.core.$ZodIssue;

const MAX_KEY_SHOWN = 64;

/**
 * The first issue of a failed parse as one sentence, `<field path>: <what is wrong>`,
 * e.g. `drone.position.lat: must be at most 90 (got 91)`. `input` is the value that was parsed,
 * used to show what was received.
 */
export function describeFirstIssue(error: z.ZodError, input: unknown, rootName = 'payload'): string {
  const [first] = error.issues;
  return first ? describeIssue(first, input, rootName) : `${rootName}: is invalid`;
}

export function describeIssue(issue: Issue, input: unknown, rootName = 'payload'): string {
  if (issue.code === 'unrecognized_keys') {
    const [key, ...others] = issue.keys;
    const shown = others.slice(0, 3).map((k) => describeValue(k, MAX_KEY_SHOWN));
    if (others.length > shown.length) shown.push(`${others.length - shown.length} more`);
    const also = shown.length > 0 ? ` (also ${shown.join(', ')})` : '';
    return `${formatPath([...issue.path, key], rootName)}: unknown field ${describeValue(key, MAX_KEY_SHOWN)}${also}`;
  }
  if (issue.code === 'invalid_key' && issue.issues[0]) {
    // The fault is in the key itself, not in the value stored under it.
    const key = issue.path[issue.path.length - 1];
    return `${formatPath(issue.path, rootName)}: key ${describeProblem(issue.issues[0] as Issue, key).replace(/ \(got .*\)$/, '')} (got ${describeValue(String(key), MAX_KEY_SHOWN)})`;
  }
  if (issue.code === 'invalid_element' && issue.issues[0]) {
    return describeIssue(nested(issue.issues[0], issue.path), input, rootName);
  }
  if (issue.code === 'invalid_union' && !issue.discriminator && issue.errors.length > 0) {
    const inner = describeUnionFailure(issue, input, rootName);
    if (inner) return inner;
  }
  return `${formatPath(issue.path, rootName)}: ${describeProblem(issue, valueAt(input, issue.path))}`;
}

function describeProblem(issue: Issue, value: unknown): string {
  const got = ` (got ${describeValue(value)})`;
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'required' : `must be ${typeName(issue.expected)}${got}`;
    case 'too_big':
      return describeBound('at most', 'less than', issue.origin, issue.maximum, issue.inclusive !== false, value);
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return describeBound('at least', 'greater than', issue.origin, issue.minimum, issue.inclusive !== false, value);
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}${got}`;
      return value === undefined
        ? `required (one of ${issue.values.map(String).join(', ')})`
        : `must be one of ${issue.values.map(String).join(', ')}${got}`;
    case 'invalid_union':
      if (issue.discriminator && 'options' in issue && issue.options) {
        const options = issue.options.map(String).join(', ');
        return value === undefined ? `required (one of ${options})` : `must be one of ${options}${got}`;
      }
      return `does not match any allowed form${got}`;
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern)
        return `${describeValue(value)} must match ${bareRegex(issue.pattern)}`;
      return `${describeValue(value)} is not ${formatName(issue.format)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${got}`;
    case 'custom':
      return issue.message && issue.message !== 'Invalid input' ? issue.message : `is invalid${got}`;
    default:
      return issue.message || 'is invalid';
  }
}

/** A plain union (say IPv4 | IPv6): say what every option wanted, or the first option's complaint. */
function describeUnionFailure(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  input: unknown,
  rootName: string,
): string | null {
  const firsts = issue.errors.map((errors) => errors[0]).filter((i): i is Issue => i !== undefined);
  if (firsts.length === 0) return null;
  const value = valueAt(input, issue.path);
  const path = formatPath(issue.path, rootName);
  if (firsts.every((i) => i.code === 'invalid_format' && i.path.length === 0)) {
    const names = firsts.map((i) => (i.code === 'invalid_format' ? formatName(i.format) : ''));
    return `${path}: ${describeValue(value)} is not ${unique(names).join(' or ')}`;
  }
  if (firsts.every((i) => i.code === 'invalid_type' && i.path.length === 0)) {
    if (value === undefined) return `${path}: required`;
    const names = firsts.map((i) => (i.code === 'invalid_type' ? typeName(i.expected) : ''));
    return `${path}: must be ${unique(names).join(' or ')} (got ${describeValue(value)})`;
  }
  const deepest = [...firsts].sort((a, b) => b.path.length - a.path.length)[0] as Issue;
  return describeIssue(nested(deepest, issue.path), input, rootName);
}

function describeBound(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  bound: number | bigint,
  inclusive: boolean,
  value: unknown,
): string {
  const word = inclusive ? inclusiveWord : exclusiveWord;
  switch (origin) {
    case 'string':
      return `must be ${word} ${bound} characters long`;
    case 'array':
    case 'set':
      return `must have ${word} ${bound} items`;
    default:
      return `must be ${word} ${bound} (got ${describeValue(value)})`;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function formatName(format: string): string {
  switch (format) {
    case 'ipv4':
      return 'an IPv4 address';
    case 'ipv6':
      return 'an IPv6 address';
    case 'uuid':
    case 'guid':
      return 'a UUID';
    case 'datetime':
      return 'an ISO 8601 time';
    case 'email':
      return 'an e-mail address';
    default:
      return `a valid ${format}`;
  }
}

function bareRegex(pattern: string): string {
  const match = /^\/(.*)\/[a-z]*$/s.exec(pattern);
  return match ? (match[1] as string) : pattern;
}

function nested(issue: Issue, prefix: readonly PropertyKey[]): Issue {
  return { ...issue, path: [...prefix, ...issue.path] } as Issue;
}

export function formatPath(path: readonly PropertyKey[], rootName = 'payload'): string {
  if (path.length === 0) return rootName;
  return path
    .map((key) => {
      const text = typeof key === 'symbol' ? key.toString() : String(key);
      return text.length > MAX_KEY_SHOWN ? `${text.slice(0, MAX_KEY_SHOWN)}…` : text;
    })
    .join('.');
}

/** The received value at `path`, reading own properties only. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
