import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each sensor's and gateway's newest health change (its `at` and the state it went to), kept on
 * the subject's own row beside the history in `sensor_health_changes`.
 *
 * Live correlation asks, for rules that care whether a zone was blind, each subject's state at
 * the start of a step's events: its last change before then. The history is partitioned by when
 * a change was recorded, not by its `at`, so that question read every change of the step's
 * sites ever kept (a year by default): 350 ms a step for one site whose sensors changed every
 * few minutes for a year. With the newest change on the subject's row, a subject that has not
 * changed since then is answered from the row; only those that changed since are looked up in
 * the history (correlatorStore.outages).
 *
 * Written with each change (applyHealthTransitions); filled here from the history.
 */
export class HealthLastChange1765210000000 implements MigrationInterface {
  name = 'HealthLastChange1765210000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['sensors', 'gateways']) {
      await q.query(
        `ALTER TABLE ${table} ADD COLUMN health_changed_at timestamptz, ADD COLUMN health_changed_to text,
           ADD CONSTRAINT ${table}_health_changed CHECK ((health_changed_at IS NULL) = (health_changed_to IS NULL))`,
      );
    }
    await q.query(
      `UPDATE sensors s SET health_changed_at = l.at, health_changed_to = l.state
         FROM (SELECT DISTINCT ON (site_id, subject_id) site_id, subject_id, at, state FROM sensor_health_changes
                WHERE subject_type = 'sensor' ORDER BY site_id, subject_id, at DESC, id DESC) l
        WHERE s.site_id = l.site_id AND s.id = l.subject_id`,
    );
    await q.query(
      `UPDATE gateways g SET health_changed_at = l.at, health_changed_to = l.state
         FROM (SELECT DISTINCT ON (site_id, subject_id) site_id, subject_id, at, state FROM sensor_health_changes
                WHERE subject_type = 'gateway' ORDER BY site_id, subject_id, at DESC, id DESC) l
        WHERE g.site_id = l.site_id AND g.id = l.subject_id`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['sensors', 'gateways']) {
      await q.query(
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_health_changed, DROP COLUMN health_changed_at, DROP COLUMN health_changed_to`,
      );
    }
  }
}
