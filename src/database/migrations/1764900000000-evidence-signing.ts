import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forged evidence bundles must not verify (src/audit/evidence-bundle.ts):
 * - evidence_keys: the Ed25519 keys that sign bundles and checkpoints. key_id is the key's
 *   fingerprint (lowercase hex SHA-256 of its 32-byte raw public key). A key OreGuard made holds
 *   its private key sealed under GATEWAY_SECRET_KEY; a configured key (EVIDENCE_SIGNING_KEY)
 *   only its public key. At most one key is current (retired_at NULL); retired keys stay, so
 *   what they signed stays verifiable. Rows are never deleted, and only retired_at may change.
 * - chain_checkpoints: signed statements of a chain's head (`audit`, or `incident/<id>` for an
 *   incident's timeline): its length and last hash at a time, so deleting the newest entries of
 *   a chain (which the hash links alone cannot show) is found. Append-only, like the chains.
 * - incident_timeline (at): the periodic checkpoint finds the timelines that moved lately.
 * - Incidents' existing events are bound into their chains as the fold now does for new ones:
 *   one `events-recorded` entry per 1,000 linked events, with each event's identity and the
 *   SHA-256 of its stored raw payload (src/incidents/event-binding.ts). Down leaves those
 *   entries: the timeline is append-only.
 */
export class EvidenceSigning1764900000000 implements MigrationInterface {
  name = 'EvidenceSigning1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evidence_keys (
        key_id              text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{64}$'),
        public_key          text NOT NULL,
        private_key_sealed  text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        retired_at          timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX evidence_keys_one_current ON evidence_keys ((true)) WHERE retired_at IS NULL`);
    await q.query(`CREATE TRIGGER evidence_keys_keep BEFORE UPDATE OF key_id, public_key, private_key_sealed, created_at OR DELETE
                   ON evidence_keys FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(`CREATE TRIGGER evidence_keys_no_truncate BEFORE TRUNCATE ON evidence_keys
                   FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);

    await q.query(`
      CREATE TABLE chain_checkpoints (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chain      text NOT NULL,
        seq        bigint NOT NULL CHECK (seq >= 0),
        head_hash  text NOT NULL,
        at         timestamptz NOT NULL,
        key_id     text NOT NULL REFERENCES evidence_keys (key_id),
        signature  text NOT NULL,
        -- The periodic sweep, or an evidence bundle: the sweep takes up from its own last checkpoint.
        written_by text NOT NULL CHECK (written_by IN ('sweep', 'bundle')),
        UNIQUE (chain, seq, key_id)
      )`);
    await q.query(`CREATE INDEX chain_checkpoints_latest ON chain_checkpoints (chain, seq DESC)`);
    await q.query(`CREATE INDEX chain_checkpoints_at ON chain_checkpoints (at)`);
    await q.query(`CREATE TRIGGER chain_checkpoints_append_only BEFORE UPDATE OR DELETE ON chain_checkpoints
                   FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(`CREATE TRIGGER chain_checkpoints_no_truncate BEFORE TRUNCATE ON chain_checkpoints
                   FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);

    await q.query(`CREATE INDEX incident_timeline_at ON incident_timeline (at)`);

    // The insert trigger chains each entry (rows of one statement see the ones before them).
    await q.query(`
      INSERT INTO incident_timeline (incident_id, at, actor, action, details)
      SELECT incident_id, date_trunc('milliseconds', now()), 'system', 'events-recorded',
             jsonb_build_object('eventCount', count(*), 'events', jsonb_agg(jsonb_build_object(
               'id', id, 'eventId', event_id, 'siteId', site_id, 'gatewayId', gateway_id, 'payloadSha256', payload_sha256) ORDER BY id))
        FROM (SELECT l.incident_id, e.id, e.event_id, e.site_id, e.gateway_id,
                     encode(sha256(convert_to(e.raw_payload, 'UTF8')), 'hex') AS payload_sha256,
                     (row_number() OVER (PARTITION BY l.incident_id ORDER BY e.id) - 1) / 1000 AS chunk
                FROM incident_events l JOIN events e ON e.id = l.event_id) bound
       GROUP BY incident_id, chunk
       ORDER BY incident_id, chunk`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX incident_timeline_at');
    await q.query('DROP TABLE chain_checkpoints');
    await q.query('DROP TABLE evidence_keys');
  }
}
