import type { MigrationInterface, QueryRunner } from 'typeorm';

/** 64 zeros: the `prevHash` of the first entry of a chain. */
const GENESIS = `repeat('0', 64)`;

/** What an accepted event holds as received (all but the fold's bookkeeping). */
const EVENT_CONTENT_COLUMNS = [
  'site_id',
  'gateway_id',
  'event_id',
  'sensor_id',
  'kind',
  'severity',
  'zone',
  'seq',
  'occurred_at',
  'received_at',
  'stored_at',
  'source',
  'late',
  'details',
  'topic',
  'raw_payload',
];

/**
 * Evidence-grade history. Two append-only, hash-chained records:
 * - incident_timeline, chained per incident (so folds of different incidents never queue on one lock);
 * - audit_log, one global chain of security-relevant actions (logins, account changes, exports…).
 *
 * An entry's hash is sha256 over the UTF-8 bytes of its canonical JSON (see
 * src/domain/audit/canonical-json.ts, which computes the same bytes): sorted keys, no whitespace,
 * times as ISO UTC with milliseconds, and the previous entry's hash inside. Triggers compute the
 * chain on insert, so every writer is correct without knowing about it, and refuse UPDATE,
 * DELETE and TRUNCATE. Accepted events (the evidence behind incidents) keep their content: only
 * the fold bookkeeping columns may change, and no event may be deleted.
 */
export class AuditChains1764700000000 implements MigrationInterface {
  name = 'AuditChains1764700000000';

  async up(q: QueryRunner): Promise<void> {
    // Canonical JSON: keys sorted by their UTF-8 bytes, no whitespace, numbers as PostgreSQL
    // prints them (plain decimals), strings escaped as JSON.stringify escapes them.
    await q.query(`
      CREATE FUNCTION audit_canonical_json(v jsonb) RETURNS text
      LANGUAGE plpgsql IMMUTABLE STRICT AS $$
      DECLARE
        out text;
      BEGIN
        CASE jsonb_typeof(v)
          WHEN 'object' THEN
            SELECT '{' || COALESCE(string_agg(to_jsonb(e.key)::text || ':' ||
                     CASE WHEN jsonb_typeof(e.value) IN ('object', 'array') THEN audit_canonical_json(e.value)
                          ELSE e.value::text END, ',' ORDER BY e.key COLLATE "C"), '') || '}'
              INTO out FROM jsonb_each(v) AS e;
          WHEN 'array' THEN
            -- Scalars are written in place, not by a call each: a timeline entry may list 1,000 event ids.
            SELECT '[' || COALESCE(string_agg(
                     CASE WHEN jsonb_typeof(a.value) IN ('object', 'array') THEN audit_canonical_json(a.value)
                          ELSE a.value::text END, ',' ORDER BY a.n), '') || ']'
              INTO out FROM jsonb_array_elements(v) WITH ORDINALITY AS a(value, n);
          ELSE
            out := v::text;
        END CASE;
        RETURN out;
      END $$`);
    await q.query(`
      CREATE FUNCTION audit_time_text(t timestamptz) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT AS $$
        SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      $$`);
    await q.query(`
      CREATE FUNCTION audit_sha256_hex(t text) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') $$`);

    // --- incident_timeline: one chain per incident ---------------------------------------------
    await q.query(
      `ALTER TABLE incident_timeline ADD COLUMN chain_seq integer, ADD COLUMN prev_hash text, ADD COLUMN hash text`,
    );
    await q.query(`
      CREATE FUNCTION incident_timeline_canonical(incident_id uuid, chain_seq integer, at timestamptz, actor text,
                                                  action text, details jsonb, prev_hash text) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT audit_canonical_json(jsonb_build_object(
          'v', 1, 'incidentId', incident_id, 'seq', chain_seq, 'at', audit_time_text(at), 'actor', actor,
          'action', action, 'details', details, 'prevHash', prev_hash))
      $$`);
    // Backfill: existing entries, in id order per incident, become its chain. (Times are hashed as
    // stored, truncated to milliseconds; new entries are truncated on insert so both agree.)
    await q.query(`UPDATE incident_timeline t SET at = date_trunc('milliseconds', at)`);
    await q.query(`
      UPDATE incident_timeline t SET chain_seq = n.seq
        FROM (SELECT id, row_number() OVER (PARTITION BY incident_id ORDER BY id) AS seq FROM incident_timeline) n
       WHERE n.id = t.id`);
    await q.query(`
      DO $$
      DECLARE
        r record;
        previous text;
        current_incident uuid;
      BEGIN
        FOR r IN SELECT * FROM incident_timeline ORDER BY incident_id, chain_seq LOOP
          IF current_incident IS DISTINCT FROM r.incident_id THEN
            previous := ${GENESIS};
            current_incident := r.incident_id;
          END IF;
          UPDATE incident_timeline SET prev_hash = previous,
                 hash = audit_sha256_hex(incident_timeline_canonical(r.incident_id, r.chain_seq, r.at, r.actor, r.action,
                                                                      r.details, previous))
           WHERE id = r.id
           RETURNING hash INTO previous;
        END LOOP;
      END $$`);
    await q.query(`ALTER TABLE incident_timeline ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
                   ALTER COLUMN hash SET NOT NULL`);
    // The backstop against a forked chain: two entries can never claim one position.
    await q.query(`CREATE UNIQUE INDEX incident_timeline_chain ON incident_timeline (incident_id, chain_seq)`);

    // Writers of an incident already hold its row lock; the advisory lock (its own key space, the
    // two-integer one) makes the chain safe for any writer, and the unique index above refuses a fork.
    await q.query(`
      CREATE FUNCTION incident_timeline_link() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        last_seq integer;
        last_hash text;
      BEGIN
        PERFORM pg_advisory_xact_lock(734118206, hashtext(NEW.incident_id::text));
        SELECT chain_seq, hash INTO last_seq, last_hash FROM incident_timeline
         WHERE incident_id = NEW.incident_id ORDER BY chain_seq DESC LIMIT 1;
        NEW.at := date_trunc('milliseconds', NEW.at);
        IF NEW.hash IS NOT NULL THEN
          -- The writer hashed the entry itself (the fold does, to keep that work off the database):
          -- it must still continue the chain exactly; /verify recomputes every hash.
          IF NEW.chain_seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1
             OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, ${GENESIS}) THEN
            RAISE EXCEPTION 'incident % timeline: entry % does not continue its chain (head %)',
              NEW.incident_id, NEW.chain_seq, COALESCE(last_seq, 0);
          END IF;
          RETURN NEW;
        END IF;
        NEW.chain_seq := COALESCE(last_seq, 0) + 1;
        NEW.prev_hash := COALESCE(last_hash, ${GENESIS});
        NEW.hash := audit_sha256_hex(incident_timeline_canonical(NEW.incident_id, NEW.chain_seq, NEW.at, NEW.actor,
                                                                  NEW.action, NEW.details, NEW.prev_hash));
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER incident_timeline_link BEFORE INSERT ON incident_timeline
                   FOR EACH ROW EXECUTE FUNCTION incident_timeline_link()`);

    // --- audit_log: one global chain --------------------------------------------------------------
    await q.query(`
      CREATE TABLE audit_log (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        seq        bigint NOT NULL UNIQUE,
        at         timestamptz NOT NULL,
        actor      text NOT NULL,
        actor_id   uuid,
        action     text NOT NULL,
        target     text,
        details    jsonb NOT NULL DEFAULT '{}',
        ip         text,
        prev_hash  text NOT NULL,
        hash       text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`);
    await q.query(`
      CREATE FUNCTION audit_log_canonical(seq bigint, at timestamptz, actor text, actor_id uuid, action text,
                                          target text, details jsonb, ip text, prev_hash text) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT audit_canonical_json(jsonb_build_object(
          'v', 1, 'seq', seq, 'at', audit_time_text(at), 'actor', actor, 'actorId', actor_id, 'action', action,
          'target', target, 'details', details, 'ip', ip, 'prevHash', prev_hash))
      $$`);
    // One chain for all writers: the transaction-scoped lock serialises appends until commit.
    await q.query(`
      CREATE FUNCTION audit_log_link() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        last_seq bigint;
        last_hash text;
      BEGIN
        PERFORM pg_advisory_xact_lock(734118207, 0);
        SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
        NEW.at := date_trunc('milliseconds', NEW.at);
        NEW.seq := COALESCE(last_seq, 0) + 1;
        NEW.prev_hash := COALESCE(last_hash, ${GENESIS});
        NEW.hash := audit_sha256_hex(audit_log_canonical(NEW.seq, NEW.at, NEW.actor, NEW.actor_id, NEW.action,
                                                         NEW.target, NEW.details, NEW.ip, NEW.prev_hash));
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_link()`,
    );

    // --- the guard -------------------------------------------------------------------------------
    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['incident_timeline', 'audit_log', 'incident_events']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }
    // Events: folding marks them (folded_at, fold_error); what was received never changes. The
    // column list keeps the trigger off the fold's UPDATE, which names only those two.
    await q.query(`CREATE TRIGGER events_keep_content
                   BEFORE UPDATE OF ${EVENT_CONTENT_COLUMNS.join(', ')} OR DELETE ON events
                   FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                   FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER events_no_truncate ON events');
    await q.query('DROP TRIGGER events_keep_content ON events');
    for (const table of ['incident_timeline', 'audit_log', 'incident_events']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await q.query('DROP FUNCTION audit_refuse_change()');
    await q.query('DROP TABLE audit_log');
    await q.query('DROP FUNCTION audit_log_link()');
    await q.query('DROP FUNCTION audit_log_canonical(bigint, timestamptz, text, uuid, text, text, jsonb, text, text)');
    await q.query('DROP TRIGGER incident_timeline_link ON incident_timeline');
    await q.query('DROP FUNCTION incident_timeline_link()');
    await q.query('DROP INDEX incident_timeline_chain');
    await q.query('ALTER TABLE incident_timeline DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN chain_seq');
    await q.query('DROP FUNCTION incident_timeline_canonical(uuid, integer, timestamptz, text, text, jsonb, text)');
    await q.query('DROP FUNCTION audit_sha256_hex(text)');
    await q.query('DROP FUNCTION audit_time_text(timestamptz)');
    await q.query('DROP FUNCTION audit_canonical_json(jsonb)');
  }
}
