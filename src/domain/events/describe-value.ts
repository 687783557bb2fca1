const MAX_SHOWN = 80;

/** A short, safe rendering of a value for a rejection reason: strings quoted and cut, objects named. */
export function describeValue(value: unknown, maxLength = MAX_SHOWN): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
