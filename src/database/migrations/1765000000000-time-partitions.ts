import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_GROUP_ROLE } from './1764910000000-runtime-role';

/**
 * The tables that grow with every event, range-partitioned by OreGuard's own clock (a
 * gateway's clock is not trusted for where a row is stored), one partition per span:
 *
 * | table                 | partition key | primary key                   |
 * |-----------------------|---------------|-------------------------------|
 * | events                | received_at   | (id, site_id, received_at, kept) |
 * | live_messages         | created_at    | (site_id, seq, created_at)    |
 * | rejected_events       | received_at   | (id, received_at)             |
 * | sensor_health_changes | recorded_at   | (id, site_id, recorded_at)    |
 *
 * `site_id` is in every key but rejected_events' (a rejected message may name no site).
 * events is first split by `kept` (LIST): `events_live` (false) holds the time partitions;
 * `events_kept` (true) holds the events of incidents that the retention job moved there from
 * a partition it dropped (migration 1765000100000), so queries on `events` still see them.
 * Not partitioned, and why: incident_events and incident_timeline live as long as their
 * incident (open, held, or younger than its retention), not by time; event_holds has one row
 * per held event keyed by the event (a fold run again must find it: ON CONFLICT (event_id));
 * gateway_seq_gaps (ranges, merged as they fill) and remote_id_transmitters (one row per
 * transmitter, bounded) do not grow per event.
 *
 * Idempotency: a unique index on a partitioned table must hold the partition key, so
 * "(site, gateway, event id) once" moves to `event_keys`, one row per event ever stored with
 * its id and partition time. The `events_once` trigger inserts the key before each event and
 * skips the event (as ON CONFLICT DO NOTHING did) when the key is there, whatever partition a
 * resend would land in. The runtime role may insert keys, never change or delete them.
 *
 * Partitions are made by `oreguard_ensure_partitions(table, unit, from, until)` (SECURITY
 * DEFINER: the runtime role owns nothing, and may only call it), which extends a table's
 * partitions contiguously forward and backward; each table also has a DEFAULT partition so
 * a row never fails to store for want of a partition, and rows found there are moved into
 * the partition made for their time. The rows already stored are moved here, and partitions
 * made for them, a day each.
 *
 * Foreign keys into events (incident_events, event_holds) cannot stay: a key referencing a
 * partitioned table must hold its partition key. Events are never deleted (the append-only
 * triggers stay on every partition), so those links stay whole all the same.
 */
export class TimePartitions1765000000000 implements MigrationInterface {
  name = 'TimePartitions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(ENSURE_PARTITIONS_FUNCTION);
    await q.query(
      `REVOKE ALL ON FUNCTION oreguard_ensure_partitions(text, text, timestamptz, timestamptz) FROM PUBLIC`,
    );

    // event_keys first, from the events there are, then the trigger that keeps it.
    await q.query(`
      CREATE TABLE event_keys (
        site_id     text NOT NULL,
        gateway_id  text NOT NULL,
        event_id    uuid NOT NULL,
        id          bigint NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (site_id, gateway_id, event_id)
      )`);
    await q.query(`INSERT INTO event_keys SELECT site_id, gateway_id, event_id, id, received_at FROM events`);

    await convert(q, {
      table: 'events',
      key: 'received_at',
      primaryKey: 'id, site_id, received_at, kept',
      keepSplit: true,
      dropBefore: [
        'ALTER TABLE incident_events DROP CONSTRAINT incident_events_event_id_fkey',
        'ALTER TABLE event_holds DROP CONSTRAINT event_holds_event_id_fkey',
      ],
      after: [
        'ALTER TABLE events ADD FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)',
        ...INDEXES.events,
        `CREATE TRIGGER events_keep_content BEFORE DELETE OR UPDATE OF site_id, gateway_id, event_id, sensor_id, kind,
           severity, zone, seq, occurred_at, received_at, stored_at, source, late, details, topic, raw_payload, kept
           ON events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
        ...['events', 'events_live', 'events_default', 'events_kept'].map(
          (t) =>
            `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
        ),
        EVENTS_ONCE_FUNCTION,
        'CREATE TRIGGER events_once BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_once()',
      ],
    });
    await convert(q, {
      table: 'live_messages',
      key: 'created_at',
      primaryKey: 'site_id, seq, created_at',
      after: [],
    });
    await convert(q, {
      table: 'rejected_events',
      key: 'received_at',
      primaryKey: 'id, received_at',
      after: INDEXES.rejected_events,
    });
    await convert(q, {
      table: 'sensor_health_changes',
      key: 'recorded_at',
      primaryKey: 'id, site_id, recorded_at',
      after: [
        'ALTER TABLE sensor_health_changes ADD FOREIGN KEY (site_id) REFERENCES sites (id)',
        ...INDEXES.sensor_health_changes,
      ],
    });

    await q.query(grantRuntimeFunction(true));
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          GRANT EXECUTE ON FUNCTION oreguard_ensure_partitions(text, text, timestamptz, timestamptz) TO ${RUNTIME_GROUP_ROLE};
        END IF;
      END $$`);
    await q.query('SELECT oreguard_grant_runtime()');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['sensor_health_changes', 'rejected_events', 'live_messages', 'events'] as const)
      await unconvert(q, table);
    await q.query('DROP TRIGGER events_once ON events');
    await q.query('DROP FUNCTION events_once()');
    await q.query('ALTER TABLE events ADD CONSTRAINT events_identity UNIQUE (site_id, gateway_id, event_id)');
    await q.query('ALTER TABLE events ADD PRIMARY KEY (id)');
    await q.query(
      'ALTER TABLE incident_events ADD CONSTRAINT incident_events_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id)',
    );
    await q.query(
      'ALTER TABLE event_holds ADD CONSTRAINT event_holds_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id)',
    );
    await q.query('ALTER TABLE live_messages ADD PRIMARY KEY (site_id, seq)');
    await q.query('ALTER TABLE rejected_events ADD PRIMARY KEY (id)');
    await q.query('ALTER TABLE sensor_health_changes ADD PRIMARY KEY (id)');
    await q.query('DROP TABLE event_keys');
    await q.query(grantRuntimeFunction(false));
    await q.query('DROP FUNCTION oreguard_ensure_partitions(text, text, timestamptz, timestamptz)');
    await q.query('DROP FUNCTION oreguard_make_partition(text, text, text, timestamptz, timestamptz)');
    await q.query('DROP FUNCTION oreguard_partition_bounds(text)');
    await q.query('DROP FUNCTION oreguard_range_parent(text)');
  }
}

/** The named indexes of the tables that grow per event, made again on the partitioned tables (and back on the plain ones by down()). */
const INDEXES: Record<'events' | 'live_messages' | 'rejected_events' | 'sensor_health_changes', string[]> = {
  events: [
    'CREATE INDEX events_fold_failed ON events (id) WHERE fold_error IS NOT NULL',
    'CREATE INDEX events_ingest_xid ON events (ingest_xid, id) WHERE ingest_xid IS NOT NULL',
    'CREATE INDEX events_occurred ON events (occurred_at DESC, id DESC)',
    'CREATE INDEX events_site_occurred ON events (site_id, occurred_at DESC, id DESC)',
    'CREATE INDEX events_unfolded ON events (id) WHERE folded_at IS NULL AND fold_error IS NULL',
  ],
  live_messages: [],
  rejected_events: ['CREATE INDEX rejected_events_received ON rejected_events (received_at DESC, id DESC)'],
  sensor_health_changes: [
    'CREATE INDEX sensor_health_changes_subject ON sensor_health_changes (site_id, subject_type, subject_id, at DESC, id DESC)',
  ],
};

/** The tables oreguard_ensure_partitions may touch, with their partition key. */
const PARTITIONED_TABLES = {
  events: 'received_at',
  live_messages: 'created_at',
  rejected_events: 'received_at',
  sensor_health_changes: 'recorded_at',
} as const;

type PartitionedTable = keyof typeof PARTITIONED_TABLES;

const ENSURE_PARTITIONS_FUNCTION = `
  CREATE FUNCTION oreguard_ensure_partitions(p_table text, p_unit text, p_from timestamptz, p_until timestamptz)
  RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET timezone = 'UTC' AS $fn$
  DECLARE
    keys constant jsonb := '${JSON.stringify(PARTITIONED_TABLES)}';
    key text := keys->>p_table;
    parent text := oreguard_range_parent(p_table);
    step interval;
    lo timestamptz;
    hi timestamptz;
    made integer := 0;
  BEGIN
    IF key IS NULL THEN RAISE EXCEPTION 'not a partitioned table: %', p_table; END IF;
    IF p_unit NOT IN ('day', 'week', 'month') THEN RAISE EXCEPTION 'partition span must be day, week or month: %', p_unit; END IF;
    step := ('1 ' || p_unit)::interval;
    -- Two instances (or a start and the periodic task) extend a table one after the other.
    PERFORM pg_advisory_xact_lock(hashtext('oreguard_ensure_partitions'), hashtext(p_table));
    SELECT min(b.lo), max(b.hi) INTO lo, hi FROM oreguard_partition_bounds(p_table) b;
    IF lo IS NULL THEN
      lo := date_trunc(p_unit, p_from);
      hi := lo;
    END IF;
    WHILE hi < p_until LOOP
      PERFORM oreguard_make_partition(p_table, parent, key, hi, hi + step);
      hi := hi + step;
      made := made + 1;
    END LOOP;
    WHILE lo > p_from LOOP
      PERFORM oreguard_make_partition(p_table, parent, key, lo - step, lo);
      lo := lo - step;
      made := made + 1;
    END LOOP;
    RETURN made;
  END $fn$;

  -- The table holding a table's time partitions: events' are under events_live.
  CREATE FUNCTION oreguard_range_parent(p_table text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $fn$ SELECT CASE WHEN p_table = 'events' THEN 'events_live' ELSE p_table END $fn$;

  CREATE FUNCTION oreguard_partition_bounds(p_table text)
  RETURNS TABLE (name text, lo timestamptz, hi timestamptz)
  LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
    SELECT c.relname::text, m[1]::timestamptz, m[2]::timestamptz
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), $re$FROM \\('([^']+)'\\) TO \\('([^']+)'\\)$re$) AS m
     WHERE i.inhparent = oreguard_range_parent(p_table)::regclass AND m IS NOT NULL
  $fn$;

  CREATE FUNCTION oreguard_make_partition(p_table text, p_parent text, p_key text, p_lo timestamptz, p_hi timestamptz)
  RETURNS void
  LANGUAGE plpgsql SET search_path = public, pg_temp SET timezone = 'UTC' AS $fn$
  DECLARE
    part text := p_table || '_p' || to_char(p_lo, 'YYYYMMDD') || CASE WHEN p_lo = date_trunc('day', p_lo) THEN '' ELSE to_char(p_lo, '"_"HH24MISS') END;
    spare text := p_table || '_default';
    stray boolean;
  BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, p_parent);
    -- Rows that arrived while no partition covered their time wait in the default partition:
    -- moved here first (the default partition may not hold rows of an attached range).
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', spare, p_key, p_key) INTO stray USING p_lo, p_hi;
    IF stray THEN
      EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', spare);
      EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                     spare, p_key, p_key, part) USING p_lo, p_hi;
      EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', spare);
    END IF;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', p_parent, part, p_lo, p_hi);
    IF p_table = 'events' THEN
      EXECUTE format('CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', part);
      -- Default privileges grant every new table UPDATE and DELETE: not an events partition.
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM ${RUNTIME_GROUP_ROLE}', part);
      END IF;
    END IF;
  END $fn$;
  REVOKE ALL ON FUNCTION oreguard_make_partition(text, text, text, timestamptz, timestamptz) FROM PUBLIC;`;

/**
 * Before each event: its (site, gateway, event id) into event_keys; an event whose key is
 * there already is skipped (a resend), in whichever partition it would have landed.
 */
const EVENTS_ONCE_FUNCTION = `
  CREATE FUNCTION events_once() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO event_keys (site_id, gateway_id, event_id, id, received_at)
    VALUES (NEW.site_id, NEW.gateway_id, NEW.event_id, NEW.id, NEW.received_at)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN RETURN NULL; END IF;
    RETURN NEW;
  END $fn$`;

interface Conversion {
  table: PartitionedTable;
  key: string;
  primaryKey: string;
  /** events: split by `kept` first (events_kept, and events_live holding the time partitions). */
  keepSplit?: boolean;
  dropBefore?: string[];
  after: string[];
}

/**
 * Replaces `table` by a partitioned table of the same columns (identity continued), with a
 * partition a day for the rows there are and the next days, and a default partition; moves
 * the rows; then `after` (indexes, triggers, foreign keys, made on the filled table).
 */
async function convert(q: QueryRunner, c: Conversion): Promise<void> {
  const old = `${c.table}_unpartitioned`;
  for (const sql of c.dropBefore ?? []) await q.query(sql);
  await q.query(`ALTER TABLE ${c.table} RENAME TO ${old}`);
  const hasIdentity = c.table !== 'live_messages';
  const identity = hasIdentity ? await q.query(`SELECT pg_get_serial_sequence('${old}', 'id') AS seq`) : [];
  const like = `LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS${hasIdentity ? ' INCLUDING IDENTITY' : ''}`;
  if (c.keepSplit) {
    await q.query(
      `CREATE TABLE ${c.table} (${like}, kept boolean NOT NULL DEFAULT false, PRIMARY KEY (${c.primaryKey})) PARTITION BY LIST (kept)`,
    );
    await q.query(`CREATE TABLE ${c.table}_kept PARTITION OF ${c.table} FOR VALUES IN (true)`);
    await q.query(
      `CREATE TABLE ${c.table}_live PARTITION OF ${c.table} FOR VALUES IN (false) PARTITION BY RANGE (${c.key})`,
    );
    await q.query(`CREATE TABLE ${c.table}_default PARTITION OF ${c.table}_live DEFAULT`);
  } else {
    await q.query(`CREATE TABLE ${c.table} (${like}, PRIMARY KEY (${c.primaryKey})) PARTITION BY RANGE (${c.key})`);
    await q.query(`CREATE TABLE ${c.table}_default PARTITION OF ${c.table} DEFAULT`);
  }
  await q.query(
    `SELECT oreguard_ensure_partitions($1, 'day', COALESCE((SELECT min(${c.key}) FROM ${old}), now()), now() + interval '3 days')`,
    [c.table],
  );
  await q.query(
    `INSERT INTO ${c.table} ${hasIdentity ? 'OVERRIDING SYSTEM VALUE' : ''} SELECT o.*${c.keepSplit ? ', false' : ''} FROM ${old} o`,
  );
  if (hasIdentity && identity[0]?.seq) {
    await q.query(
      `SELECT setval(pg_get_serial_sequence('${c.table}', 'id'), (SELECT last_value FROM ${identity[0].seq}), (SELECT is_called FROM ${identity[0].seq}))`,
    );
  }
  // The old table's append-only triggers refuse what DROP does not ask of them.
  await q.query(`DROP TABLE ${old}`);
  const [pk] = await q.query(
    `SELECT conname FROM pg_constraint WHERE conrelid = '${c.table}'::regclass AND contype = 'p'`,
  );
  if (pk.conname !== `${c.table}_pkey`)
    await q.query(`ALTER TABLE ${c.table} RENAME CONSTRAINT ${pk.conname} TO ${c.table}_pkey`);
  if (hasIdentity) {
    const [made] = await q.query(`SELECT pg_get_serial_sequence('${c.table}', 'id') AS seq`);
    if (made.seq !== `public.${c.table}_id_seq`)
      await q.query(`ALTER SEQUENCE ${made.seq} RENAME TO ${c.table}_id_seq`);
  }
  for (const sql of c.after) await q.query(sql);
}

/** Back to one plain table (rows, default values and identity kept; keys restored by down()). */
async function unconvert(q: QueryRunner, table: PartitionedTable): Promise<void> {
  const old = `${table}_partitioned`;
  const hasIdentity = table !== 'live_messages';
  await q.query(`ALTER TABLE ${table} RENAME TO ${old}`);
  const identity = hasIdentity ? await q.query(`SELECT pg_get_serial_sequence('${old}', 'id') AS seq`) : [];
  await q.query(
    `CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS${hasIdentity ? ' INCLUDING IDENTITY' : ''})`,
  );
  await q.query(`INSERT INTO ${table} ${hasIdentity ? 'OVERRIDING SYSTEM VALUE' : ''} SELECT * FROM ${old}`);
  if (hasIdentity && identity[0]?.seq) {
    await q.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT last_value FROM ${identity[0].seq}), (SELECT is_called FROM ${identity[0].seq}))`,
    );
  }
  await q.query(`DROP TABLE ${old} CASCADE`);
  // Under the names the earlier migrations gave them (their down() drops them by name); the
  // primary keys are set by down().
  for (const index of INDEXES[table]) await q.query(index);
  if (table === 'events') {
    await q.query('ALTER TABLE events DROP COLUMN kept');
    await q.query('ALTER TABLE events ADD FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)');
    await q.query(`CREATE TRIGGER events_keep_content BEFORE DELETE OR UPDATE OF site_id, gateway_id, event_id, sensor_id, kind,
           severity, zone, seq, occurred_at, received_at, stored_at, source, late, details, topic, raw_payload
           ON events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(
      'CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()',
    );
    await q.query('CREATE TRIGGER events_once BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_once()');
  }
  if (table === 'sensor_health_changes') {
    await q.query('ALTER TABLE sensor_health_changes ADD FOREIGN KEY (site_id) REFERENCES sites (id)');
  }
}

/**
 * oreguard_grant_runtime() as 1764910000000 wrote it, and (`partitions`) also: event_keys may
 * only be read and added to, and the events partitions, read by the parent's grants
 * (GRANT ON ALL TABLES reaches every partition), lose UPDATE and DELETE like the parent.
 * `appendOnly`: further tables the runtime may only read and add to (later migrations name them).
 * `extra`: further statements a later migration revokes with (1765120000000's incidents and retirement records).
 */
export function grantRuntimeFunction(partitions: boolean, appendOnly: readonly string[] = [], extra = ''): string {
  return `
    CREATE OR REPLACE FUNCTION oreguard_grant_runtime() RETURNS boolean
    LANGUAGE plpgsql AS $$
    DECLARE
      part text;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
        RETURN false;
      END IF;
      GRANT USAGE ON SCHEMA public TO ${RUNTIME_GROUP_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${RUNTIME_GROUP_ROLE};
      GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${RUNTIME_GROUP_ROLE};
      REVOKE UPDATE, DELETE, TRUNCATE ON incident_timeline, audit_log, incident_events, chain_checkpoints,
        events, evidence_keys FROM ${RUNTIME_GROUP_ROLE};
      REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM ${RUNTIME_GROUP_ROLE};
      GRANT UPDATE (folded_at, fold_error) ON events TO ${RUNTIME_GROUP_ROLE};
      GRANT UPDATE (retired_at) ON evidence_keys TO ${RUNTIME_GROUP_ROLE};
      ${
        partitions
          ? `REVOKE UPDATE, DELETE, TRUNCATE ON event_keys FROM ${RUNTIME_GROUP_ROLE};
      -- Written only by oreguard_drop_partition (migration 1765000100000).
      IF to_regclass('retention_horizons') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON retention_horizons FROM ${RUNTIME_GROUP_ROLE};
      END IF;
      FOR part IN SELECT relid::text FROM pg_partition_tree('events') WHERE relid <> 'events'::regclass LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM ${RUNTIME_GROUP_ROLE}', part);
      END LOOP;`
          : ''
      }
      ${appendOnly.length ? `REVOKE UPDATE, DELETE, TRUNCATE ON ${appendOnly.join(', ')} FROM ${RUNTIME_GROUP_ROLE};` : ''}${extra}
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${RUNTIME_GROUP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${RUNTIME_GROUP_ROLE};
      RETURN true;
    END $$`;
}
