import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remote ID: what each event's transmitter said beyond the canonical drone object (and whether
 * the fix looked spoofed), and the memory of transmitters between payloads, shared by instances.
 */
export class RemoteId1764740000000 implements MigrationInterface {
  name = 'RemoteId1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events ADD COLUMN remote_id jsonb');
    await q.query(`
      CREATE TABLE remote_id_transmitters (
        site_id      text NOT NULL,
        gateway_id   text NOT NULL,
        transmitter  text NOT NULL,
        state        jsonb NOT NULL,
        heard_at     timestamptz NOT NULL,
        PRIMARY KEY (site_id, gateway_id, transmitter)
      )`);
    await q.query('CREATE INDEX remote_id_transmitters_heard ON remote_id_transmitters (heard_at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE remote_id_transmitters');
    await q.query('ALTER TABLE events DROP COLUMN remote_id');
  }
}
