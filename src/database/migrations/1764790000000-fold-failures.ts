import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dead-letter gauge (oreguard_events_dead_lettered) counts the events whose fold failed
 * every attempt. Without an index that count read the whole events table at every scrape;
 * a partial index over the failed ones (usually none) makes it free.
 */
export class FoldFailures1764790000000 implements MigrationInterface {
  name = 'FoldFailures1764790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX events_fold_failed ON events (id) WHERE fold_error IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_fold_failed');
  }
}
