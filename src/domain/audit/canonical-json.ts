/**
 * The canonical form of a chained entry: the exact text whose SHA-256 is the entry's hash.
 * PostgreSQL computes it on insert (migration 1764700000000, audit_canonical_json) and this file
 * computes the same bytes for verification, online and offline. The rules:
 * - objects: keys sorted by their UTF-8 bytes, `"key":value` joined by `,`, no whitespace;
 * - strings: escaped as JSON.stringify escapes them (which is also how PostgreSQL escapes them);
 * - numbers: plain decimal, never an exponent (PostgreSQL's numeric output: 1e21 is
 *   1000000000000000000000), -0 as 0;
 * - times: ISO 8601 UTC with milliseconds (2026-11-29T02:12:44.120Z);
 * - the previous entry's hash is part of the entry; the first entry's is 64 zeros.
 */
export const CANONICAL_FORM_VERSION = 1;

/** The `prevHash` of a chain's first entry. */
export const CHAIN_GENESIS = '0'.repeat(64);

export const CANONICAL_FORM_DESCRIPTION =
  'hash = lowercase hex SHA-256 of the UTF-8 bytes of the canonical JSON of the entry object ' +
  '(timeline: {v, incidentId, seq, at, actor, action, details, prevHash}; audit: {v, seq, at, actor, actorId, ' +
  'action, target, details, ip, prevHash}); canonical JSON: no whitespace, object keys sorted by UTF-8 bytes, ' +
  'strings escaped as JSON.stringify does, numbers in plain decimal notation without exponent, times ISO 8601 UTC ' +
  'with milliseconds; v = 1; the first entry of a chain has prevHash = 64 zeros';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return plainNumber(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => compareUtf8(a, b));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
}

/**
 * Byte order of the UTF-8 encodings, which is code point order. JavaScript's own order is by
 * UTF-16 units, which differs only where a surrogate (half of a code point above U+FFFF) meets
 * a unit from U+E000 up: `rank` moves the surrogates above those. No allocation: this runs for
 * every pair of keys of every entry hashed.
 */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** A finite number in plain decimal notation, as PostgreSQL's numeric prints the JSON number. */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`canonical JSON has no form for ${n}`);
  if (Object.is(n, -0)) return '0';
  const text = String(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exp] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A timeline entry as it is hashed (seq: its position in the incident's chain, from 1). */
export interface TimelineLink {
  incidentId: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: unknown;
  prevHash: string;
}

export function timelineCanonical(e: TimelineLink): string {
  return canonicalJson({
    v: CANONICAL_FORM_VERSION,
    incidentId: e.incidentId,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    details: e.details,
    prevHash: e.prevHash,
  });
}

/** An audit record entry as it is hashed (seq: its position in the one global chain, from 1). */
export interface AuditLink {
  seq: number;
  at: string;
  actor: string;
  actorId: string | null;
  action: string;
  target: string | null;
  details: unknown;
  ip: string | null;
  prevHash: string;
}

export function auditCanonical(e: AuditLink): string {
  return canonicalJson({
    v: CANONICAL_FORM_VERSION,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    actorId: e.actorId,
    action: e.action,
    target: e.target,
    details: e.details,
    ip: e.ip,
    prevHash: e.prevHash,
  });
}
