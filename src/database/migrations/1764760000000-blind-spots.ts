import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blind spots: gateway and sensor health, the zones each sensor covers, and lost events.
 *
 * - gateways.last_heard_at: when OreGuard last took a new status from the gateway (its own
 *   clock, so heartbeat silence does not depend on the gateway's); offline_at: the `at` of the
 *   newest offline report applied (a last will carries its connection's time, older than the
 *   last heartbeat); state_reason: why the state is what it is; last_seq: the highest `seq`.
 * - sensor_health_changes: every health change of a gateway or sensor, so "was this zone blind
 *   at 03:12" can be answered for a late event, not only "now".
 * - sensor_zones: learned from accepted events (source 'learned') or set by an admin ('admin').
 * - gateway_seq_gaps: a jump in a gateway's seq (events lost between sensor and broker).
 * - events.source 'health': the tamper events OreGuard writes when a sensor or gateway goes blind.
 */
export class BlindSpots1764760000000 implements MigrationInterface {
  name = 'BlindSpots1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE gateways
      ADD COLUMN last_heard_at timestamptz, ADD COLUMN offline_at timestamptz,
      ADD COLUMN state_reason text, ADD COLUMN last_seq bigint`);
    await q.query('ALTER TABLE sensors ADD COLUMN state_reason text');
    // The heartbeat checker reads only gateways that are online.
    await q.query(`CREATE INDEX gateways_online_heard ON gateways (last_heard_at) WHERE state = 'online'`);
    await q.query(`
      CREATE TABLE sensor_health_changes (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id       text NOT NULL REFERENCES sites (id),
        gateway_id    text NOT NULL,
        subject_type  text NOT NULL CHECK (subject_type IN ('gateway', 'sensor')),
        subject_id    text NOT NULL,
        state         text NOT NULL CHECK (state IN ('ok', 'fault', 'offline')),
        at            timestamptz NOT NULL,
        reason        text NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX sensor_health_changes_subject ON sensor_health_changes (site_id, subject_type, subject_id, at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE sensor_zones (
        site_id     text NOT NULL,
        sensor_id   text NOT NULL,
        zone        text NOT NULL,
        source      text NOT NULL CHECK (source IN ('learned', 'admin')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, sensor_id, zone),
        FOREIGN KEY (site_id, sensor_id) REFERENCES sensors (site_id, id)
      )`);
    await q.query('CREATE INDEX sensor_zones_zone ON sensor_zones (site_id, zone)');
    await q.query(`
      CREATE TABLE gateway_seq_gaps (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id      text NOT NULL,
        gateway_id   text NOT NULL,
        from_seq     bigint NOT NULL,
        to_seq       bigint NOT NULL,
        detected_at  timestamptz NOT NULL,
        FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)
      )`);
    await q.query('CREATE INDEX gateway_seq_gaps_gateway ON gateway_seq_gaps (site_id, gateway_id, id DESC)');
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('canonical', 'suricata', 'remoteid', 'health'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Accepted events are append-only (they are evidence): health events already stored stay,
    // and the narrower check applies to new rows only.
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('canonical', 'suricata', 'remoteid')) NOT VALID`,
    );
    await q.query('DROP TABLE gateway_seq_gaps');
    await q.query('DROP TABLE sensor_zones');
    await q.query('DROP TABLE sensor_health_changes');
    await q.query('DROP INDEX gateways_online_heard');
    await q.query('ALTER TABLE sensors DROP COLUMN state_reason');
    await q.query(
      'ALTER TABLE gateways DROP COLUMN last_seq, DROP COLUMN state_reason, DROP COLUMN offline_at, DROP COLUMN last_heard_at',
    );
  }
}
