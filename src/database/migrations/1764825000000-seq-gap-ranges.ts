import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * gateway_seq_gaps becomes the ranges of a gateway's seq numbers never stored, kept as events
 * arrive, instead of a log of jumps seen by each ingest batch.
 *
 * Why: with several instances sharing the stream, one gateway's consecutive seqs land in
 * different instances' batches, and each batch compared with gateways.last_seq recorded a
 * "gap" that the other batch filled a moment later; resends arriving after newer events (a
 * broker restart) left gaps that never closed. Now a range is opened by a seq past the
 * highest, shrunk or split by a late arrival inside it, deleted once every number in it is
 * stored, and reported (log, metrics, REST) only once it has stayed open past the grace
 * window (SEQ_GAP_GRACE_MS): reported_at.
 *
 * - detected_at is renamed opened_at: when the range (or the range it was split from) opened.
 * - reported_at: when the gap check reported it; null while it may still close. The rows
 *   already here were reported when they were written: they count as reported.
 * - gateways.seq_epoch and gateway_seq_gaps.epoch: a gateway whose counter restarts (a seq far
 *   below its highest, in no open range) starts a new epoch; ranges of an older epoch are no
 *   longer closed by the new count's numbers, and are still reported if never filled.
 * - gateway_seq_gaps_range (site, gateway, epoch, to_seq): the one range of an epoch a seq can
 *   land in (they never overlap) is the first whose to_seq is at or above it.
 * - gateway_seq_gaps_pending: the gap check reads only ranges not yet reported.
 */
export class SeqGapRanges1764825000000 implements MigrationInterface {
  name = 'SeqGapRanges1764825000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE gateway_seq_gaps RENAME COLUMN detected_at TO opened_at');
    await q.query(
      'ALTER TABLE gateway_seq_gaps ADD COLUMN reported_at timestamptz, ADD COLUMN epoch int NOT NULL DEFAULT 0',
    );
    await q.query('ALTER TABLE gateways ADD COLUMN seq_epoch int NOT NULL DEFAULT 0');
    await q.query('UPDATE gateway_seq_gaps SET reported_at = opened_at');
    await q.query(
      'ALTER TABLE gateway_seq_gaps ADD CONSTRAINT gateway_seq_gaps_range_order CHECK (from_seq <= to_seq)',
    );
    await q.query('DROP INDEX gateway_seq_gaps_gateway');
    await q.query('CREATE INDEX gateway_seq_gaps_range ON gateway_seq_gaps (site_id, gateway_id, epoch, to_seq)');
    await q.query('CREATE INDEX gateway_seq_gaps_pending ON gateway_seq_gaps (opened_at) WHERE reported_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    // Ranges still pending become gaps as the old code knew them (it reported each when written).
    await q.query('DROP INDEX gateway_seq_gaps_pending');
    await q.query('DROP INDEX gateway_seq_gaps_range');
    await q.query('CREATE INDEX gateway_seq_gaps_gateway ON gateway_seq_gaps (site_id, gateway_id, id DESC)');
    await q.query('ALTER TABLE gateway_seq_gaps DROP CONSTRAINT gateway_seq_gaps_range_order');
    await q.query('ALTER TABLE gateways DROP COLUMN seq_epoch');
    await q.query('ALTER TABLE gateway_seq_gaps DROP COLUMN epoch, DROP COLUMN reported_at');
    await q.query('ALTER TABLE gateway_seq_gaps RENAME COLUMN opened_at TO detected_at');
  }
}
