import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Material reconciliation (issue 20.1):
 * - material_records: every accepted record of the `material` topic, append-only like events
 *   (it is evidence). (site, gateway, record id) is the idempotency key: a redelivery is a no-op.
 *   `body` is the record as parsed (times in UTC), `raw_payload` the bytes as received.
 * - material_findings: each discrepancy reconciliation found, once by its key, with the theft
 *   event it raised (`event_id`, the canonical event id, stored under the site's reconciliation
 *   gateway). Append-only too: a finding is a fact of its records.
 */
export class MaterialRecords1765020000000 implements MigrationInterface {
  name = 'MaterialRecords1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE material_records (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id      text NOT NULL,
        gateway_id   text NOT NULL,
        record_id    text NOT NULL,
        type         text NOT NULL CHECK (type IN ('weighing.ticket', 'weighing.instrument', 'gate.passage', 'dispatch.manifest', 'stockpile.survey')),
        recorded_at  timestamptz NOT NULL,
        received_at  timestamptz NOT NULL,
        stored_at    timestamptz NOT NULL DEFAULT now(),
        zone         text,
        body         jsonb NOT NULL,
        topic        text NOT NULL,
        raw_payload  text NOT NULL,
        CONSTRAINT material_records_identity UNIQUE (site_id, gateway_id, record_id),
        FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)
      )`);
    await q.query(
      `CREATE INDEX material_records_site_recorded ON material_records (site_id, recorded_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX material_records_recorded ON material_records (recorded_at DESC, id DESC)`);
    await q.query(`CREATE INDEX material_records_stored ON material_records (stored_at)`);

    await q.query(`
      CREATE TABLE material_findings (
        site_id      text NOT NULL REFERENCES sites (id),
        key          text NOT NULL,
        rule         text NOT NULL,
        found_at     timestamptz NOT NULL,
        occurred_at  timestamptz NOT NULL,
        zone         text NOT NULL,
        summary      text NOT NULL,
        numbers      jsonb NOT NULL,
        tolerance    jsonb NOT NULL,
        quantity_kg  double precision,
        plate        text,
        material     text,
        record_ids   text[] NOT NULL,
        event_id     uuid NOT NULL,
        PRIMARY KEY (site_id, key)
      )`);
    await q.query(`CREATE INDEX material_findings_site_occurred ON material_findings (site_id, occurred_at DESC, key)`);

    for (const table of ['material_records', 'material_findings']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }
    // Reconciliation writes the theft events it raises with source 'reconciliation'.
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('canonical', 'suricata', 'remoteid', 'health', 'reconciliation'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Events reconciliation raised stay (they are evidence): the narrower check is NOT VALID.
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('canonical', 'suricata', 'remoteid', 'health')) NOT VALID`,
    );
    await q.query('DROP TABLE material_findings');
    await q.query('DROP TABLE material_records');
  }
}
