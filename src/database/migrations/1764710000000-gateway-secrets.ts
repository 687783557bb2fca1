import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gateway authenticity: a gateway an admin registers gets a secret, kept only encrypted
 * (AES-256-GCM under GATEWAY_SECRET_KEY). Sites and gateways first seen on MQTT stay
 * unregistered (registered_at, secret_issued_at NULL) until an admin claims them.
 */
export class GatewaySecrets1764710000000 implements MigrationInterface {
  name = 'GatewaySecrets1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sites ADD COLUMN registered_at timestamptz');
    await q.query('ALTER TABLE gateways ADD COLUMN secret_ciphertext text');
    await q.query('ALTER TABLE gateways ADD COLUMN secret_issued_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE gateways DROP COLUMN secret_issued_at');
    await q.query('ALTER TABLE gateways DROP COLUMN secret_ciphertext');
    await q.query('ALTER TABLE sites DROP COLUMN registered_at');
  }
}
