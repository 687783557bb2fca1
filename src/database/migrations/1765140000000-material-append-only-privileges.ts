import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantRuntimeFunction } from './1765000000000-time-partitions';
import { INCIDENT_RUNTIME_REVOKES } from './1765120000000-incident-retention';

/** Material records and findings are evidence (1765020000000-material-records.ts). */
export const MATERIAL_TABLES = ['material_records', 'material_findings'];

/**
 * Material records and findings are append-only by trigger, and now by privilege too, as the
 * timeline and events are: the runtime role may read them and add to them, never UPDATE, DELETE
 * or TRUNCATE them, so a compromised OreGuard cannot rewrite a weighing ticket or a finding even
 * if the triggers were gone. oreguard_grant_runtime() learns the two tables and is run again.
 */
export class MaterialAppendOnlyPrivileges1765140000000 implements MigrationInterface {
  name = 'MaterialAppendOnlyPrivileges1765140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(grantRuntimeFunction(true, MATERIAL_TABLES, INCIDENT_RUNTIME_REVOKES));
    await q.query('SELECT oreguard_grant_runtime()');
  }

  async down(q: QueryRunner): Promise<void> {
    // The function as 1765120000000 left it; running it grants UPDATE and DELETE back with every table's.
    await q.query(grantRuntimeFunction(true, [], INCIDENT_RUNTIME_REVOKES));
    await q.query('SELECT oreguard_grant_runtime()');
  }
}
