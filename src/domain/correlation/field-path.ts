/** Reads a dotted path (`cyber.srcIp`, `drone.position.lat`) from an event-shaped object. */
export type FieldGetter = (source: unknown) => unknown;

export function fieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (parts.length === 1) {
    const [a] = parts;
    return (source) => normalize((source as Record<string, unknown>)[a]);
  }
  if (parts.length === 2) {
    const [a, b] = parts;
    return (source) => {
      const outer = (source as Record<string, unknown>)[a];
      return outer == null ? undefined : normalize((outer as Record<string, unknown>)[b]);
    };
  }
  return (source) => {
    let value: unknown = source;
    for (const part of parts) {
      if (value == null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return normalize(value);
  };
}

/** Times compare as their ISO text, so `occurredAt|startswith: '2026-11-29T02'` works. */
function normalize(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}
