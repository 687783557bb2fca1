import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Silences and authorized drones, and which events each held back. Entries are expired
 * (deleted_at), never deleted, so what was silenced, by whom and why stays on record; a held
 * event keeps its link to the entry that held it.
 */
export class Silences1764750000000 implements MigrationInterface {
  name = 'Silences1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE silences (
        id             uuid PRIMARY KEY,
        site_id        text NOT NULL REFERENCES sites (id),
        zone           text,
        sensor_id      text,
        kind           text CHECK (kind IN ('drone', 'cyber', 'theft')),
        match          jsonb NOT NULL DEFAULT '{}',
        starts_at      timestamptz,
        ends_at        timestamptz,
        recurrence     jsonb,
        reason         text NOT NULL CHECK (length(reason) > 0),
        created_by     text NOT NULL,
        created_by_id  uuid,
        created_at     timestamptz NOT NULL,
        deleted_at     timestamptz,
        deleted_by     text,
        CHECK (ends_at IS NOT NULL OR recurrence IS NOT NULL),
        CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
      )`);
    await q.query('CREATE INDEX silences_site_live ON silences (site_id) WHERE deleted_at IS NULL');
    await q.query('CREATE INDEX silences_created ON silences (created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE authorized_drones (
        id             uuid PRIMARY KEY,
        site_id        text NOT NULL REFERENCES sites (id),
        uas_id         text NOT NULL,
        label          text NOT NULL CHECK (length(label) > 0),
        created_by     text NOT NULL,
        created_by_id  uuid,
        created_at     timestamptz NOT NULL,
        deleted_at     timestamptz,
        deleted_by     text
      )`);
    // One live entry per drone and site; expired ones stay beside it.
    await q.query(
      'CREATE UNIQUE INDEX authorized_drones_live ON authorized_drones (site_id, uas_id) WHERE deleted_at IS NULL',
    );
    await q.query(`
      CREATE TABLE event_holds (
        event_id             bigint PRIMARY KEY REFERENCES events (id),
        silence_id           uuid REFERENCES silences (id),
        authorized_drone_id  uuid REFERENCES authorized_drones (id),
        held_at              timestamptz NOT NULL,
        CHECK (num_nonnulls(silence_id, authorized_drone_id) = 1)
      )`);
    await q.query('CREATE INDEX event_holds_silence ON event_holds (silence_id) WHERE silence_id IS NOT NULL');
    await q.query(
      'CREATE INDEX event_holds_drone ON event_holds (authorized_drone_id) WHERE authorized_drone_id IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE event_holds');
    await q.query('DROP TABLE authorized_drones');
    await q.query('DROP TABLE silences');
  }
}
