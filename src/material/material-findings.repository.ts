import type { PoolClient } from 'pg';
import type { Severity } from 'src/domain/events/canonical-event.schema';
import { OREGUARD_NAMESPACE, uuidV5 } from 'src/domain/events/uuid-v5';
import type { MaterialFinding } from 'src/domain/material/material-finding';
import { MaterialRecordSchema, type SiteMaterialRecord } from 'src/domain/material/material-record.schema';
import type { Queryable } from 'src/database/db';
import { CLAIMED, claimEventKeys } from 'src/database/events-once';

/** The sensor id the theft events of reconciliation carry: what saw them is OreGuard itself. */
export const RECONCILIATION_SENSOR = 'material-reconciliation';

/** The canonical event id of a finding's theft event: derived from its key, so it is stored once. */
export function findingEventId(siteId: string, key: string): string {
  return uuidV5(`material/${siteId}/${key}`, OREGUARD_NAMESPACE);
}

export const materialFindingsStore = {
  /** Sites with material records at or after `since`. */
  async sitesSince(q: Queryable, since: Date): Promise<string[]> {
    const { rows } = await q.query<{ site_id: string }>(
      `SELECT DISTINCT site_id FROM material_records WHERE recorded_at >= $1`,
      [since],
    );
    return rows.map((r) => r.site_id).sort();
  },

  /** A site's records at or after `since`, as the domain reads them. */
  async records(q: Queryable, siteId: string, since: Date): Promise<SiteMaterialRecord[]> {
    const { rows } = await q.query<{ gateway_id: string; body: unknown }>(
      `SELECT gateway_id, body FROM material_records WHERE site_id = $1 AND recorded_at >= $2 ORDER BY recorded_at, id`,
      [siteId, since],
    );
    // Stored only after this schema accepted it: a record that no longer parses is a bug, and throws.
    return rows.map((row) => ({ siteId, gatewayId: row.gateway_id, record: MaterialRecordSchema.parse(row.body) }));
  },

  /**
   * Keeps the findings not kept before and, for each, the theft event it raises (not folded yet),
   * in the caller's transaction. Returns the ids of the events stored. Two instances
   * reconciling at once keep each finding once: its key is the primary key, its event id is
   * derived from the key.
   */
  async raise(
    tx: PoolClient,
    findings: readonly MaterialFinding[],
    ctx: { now: Date; severity: Severity; topicPrefix: string },
  ): Promise<{ finding: MaterialFinding; id: number }[]> {
    if (findings.length === 0) return [];
    const { rows: kept } = await tx.query<{ key: string }>(
      `INSERT INTO material_findings (site_id, key, rule, found_at, occurred_at, zone, summary, numbers, tolerance, quantity_kg, plate, material, record_ids, event_id)
       SELECT u.site_id, u.key, u.rule, $2, u.occurred_at, u.zone, u.summary, u.numbers, u.tolerance, u.quantity_kg, u.plate, u.material, u.record_ids, u.event_id
         FROM json_to_recordset($1::json) AS u(site_id text, key text, rule text, occurred_at timestamptz, zone text, summary text,
              numbers jsonb, tolerance jsonb, quantity_kg double precision, plate text, material text, record_ids text[], event_id uuid)
       ON CONFLICT (site_id, key) DO NOTHING
       RETURNING key`,
      [
        JSON.stringify(
          findings.map((f) => ({
            site_id: f.siteId,
            key: f.key,
            rule: f.rule,
            occurred_at: f.at,
            zone: f.zone,
            summary: f.summary,
            numbers: f.numbers,
            tolerance: f.tolerance,
            quantity_kg: f.quantityKg ?? null,
            plate: f.plate ?? null,
            material: f.materialCode ?? null,
            record_ids: f.recordIds,
            event_id: findingEventId(f.siteId, f.key),
          })),
        ),
        ctx.now,
      ],
    );
    const fresh = new Set(kept.map((r) => r.key));
    const raised = findings.filter((f) => fresh.has(f.key));
    if (raised.length === 0) return [];
    const { rows } = await tx.query<{ id: string; event_id: string }>(
      /* raised once: the finding's key above, and its event's key (events-once.ts) skips an event stored before */
      `WITH ${claimEventKeys(`SELECT u.*, $4::timestamptz AS received_at
           FROM json_to_recordset($1::json) AS u(site_id text, gateway_id text, event_id uuid, zone text, occurred_at timestamptz,
                details jsonb, topic text, raw_payload text)`)}
       INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, occurred_at, received_at, source, late, details, topic, raw_payload)
       OVERRIDING SYSTEM VALUE
       SELECT id, site_id, gateway_id, event_id, $2, 'theft', $3, zone, occurred_at, received_at, 'reconciliation', false, details, topic, raw_payload
         FROM claimable WHERE ${CLAIMED}
       RETURNING id, event_id`,
      [
        JSON.stringify(
          raised.map((f) => ({
            site_id: f.siteId,
            gateway_id: f.gatewayId,
            event_id: findingEventId(f.siteId, f.key),
            zone: f.zone,
            occurred_at: f.at,
            details: theftDetails(f),
            topic: `${ctx.topicPrefix}/sites/${f.siteId}/gateways/${f.gatewayId}/material`,
            raw_payload: JSON.stringify(f),
          })),
        ),
        RECONCILIATION_SENSOR,
        ctx.severity,
        ctx.now,
      ],
    );
    const byEventId = new Map(rows.map((r) => [r.event_id, Number(r.id)]));
    return raised.flatMap((finding) => {
      const id = byEventId.get(findingEventId(finding.siteId, finding.key));
      return id === undefined ? [] : [{ finding, id }];
    });
  },
};

/** The theft object of a finding's event: the category, the material, the kilograms, the truck, and the numbers in words. */
function theftDetails(f: MaterialFinding): Record<string, unknown> {
  const tolerance =
    f.tolerance.kg === null ? f.tolerance.basis : `±${Math.round(f.tolerance.kg)} kg: ${f.tolerance.basis}`;
  return {
    category: 'material_discrepancy',
    ...(f.materialCode !== undefined && { material: f.materialCode }),
    ...(f.quantityKg !== undefined && { quantityKg: f.quantityKg }),
    ...(f.plate !== undefined && { vehicleId: f.plate }),
    description: `${f.summary} [${f.rule}; tolerance ${tolerance}; found by material reconciliation]`.slice(0, 2000),
  };
}
