import { describeFirstIssue } from '../events/describe-issue';
import { describeValue } from '../events/describe-value';
import { IDENTIFIER_PATTERN } from '../events/identifiers';
import type { RejectionKind } from '../events/rejection-kind';
import { schemaRejectionKind } from '../events/rejection-kind';
import type { MaterialRecord } from './material-record.schema';
import { MATERIAL_RECORD_TYPES, MaterialRecordSchema } from './material-record.schema';

export type MaterialRecordResult =
  { ok: true; record: MaterialRecord } | { ok: false; kind: RejectionKind; reason: string; recordId?: string };

/**
 * A material topic's JSON object to a record, or the reason it is refused, naming the field.
 * `recordId` is returned with a refusal when it was readable, for the gateway's confirmation.
 */
export function readMaterialRecord(body: Record<string, unknown>): MaterialRecordResult {
  const rawId = Object.prototype.hasOwnProperty.call(body, 'recordId') ? body['recordId'] : undefined;
  const recordId = typeof rawId === 'string' && IDENTIFIER_PATTERN.test(rawId) ? rawId : undefined;
  const type = body['type'];
  if (typeof type !== 'string' || !(MATERIAL_RECORD_TYPES as readonly string[]).includes(type)) {
    const reason =
      type === undefined
        ? `type: required (one of ${MATERIAL_RECORD_TYPES.join(', ')})`
        : `type: must be one of ${MATERIAL_RECORD_TYPES.join(', ')} (got ${describeValue(type)})`;
    return { ok: false, kind: 'schema', reason, ...(recordId !== undefined && { recordId }) };
  }
  const result = MaterialRecordSchema.safeParse(body);
  if (!result.success) {
    return {
      ok: false,
      kind: schemaRejectionKind(result.error),
      reason: describeFirstIssue(result.error, body),
      ...(recordId !== undefined && { recordId }),
    };
  }
  return { ok: true, record: result.data };
}

/** The record's own time, and the weighings' and receipt's, for the not-in-the-future check. */
export function recordTimes(record: MaterialRecord): { field: string; at: Date }[] {
  const times = [{ field: 'at', at: record.at }];
  if (record.type === 'weighing.ticket') {
    times.push({ field: 'first.at', at: record.first.at });
    if (record.second) times.push({ field: 'second.at', at: record.second.at });
  }
  if (record.type === 'dispatch.manifest' && record.receipt) times.push({ field: 'receipt.at', at: record.receipt.at });
  return times;
}
