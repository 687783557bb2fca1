import type { IncidentView } from './incident.repository';

export type ExportFormat = 'csv' | 'ndjson';

const CSV_COLUMNS: (keyof IncidentView)[] = [
  'id',
  'siteId',
  'title',
  'severity',
  'status',
  'kinds',
  'ruleIds',
  'zones',
  'eventCount',
  'firstSeenAt',
  'lastSeenAt',
  'openedAt',
  'acknowledgedAt',
  'acknowledgedBy',
  'assignee',
  'resolvedAt',
  'resolution',
];

export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '';
}

export function exportLine(format: ExportFormat, incident: IncidentView): string {
  if (format === 'ndjson') return `${JSON.stringify(incident)}\n`;
  return `${CSV_COLUMNS.map((c) => csvField(incident[c])).join(',')}\r\n`;
}

/**
 * One CSV field (RFC 4180). Text a spreadsheet would run as a formula (= + - @ and a leading
 * tab or CR) is prefixed with an apostrophe: an intruder-chosen string must not become code.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(';') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
