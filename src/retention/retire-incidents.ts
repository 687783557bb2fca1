import type { PoolClient } from 'pg';
import type { AuditService } from 'src/audit/audit.service';
import { resolvedBefore } from 'src/domain/retention/incident-retention';
import { writeArchive, type WrittenArchive } from './partition-archive';

/**
 * Incidents moved out per batch: one transaction, during which incident links are locked (folds
 * wait). Measured: 500 incidents of 100 kept events and 20 timeline entries each took 2.5 s.
 */
export const RETIRE_BATCH_SIZE = 100;

/** Each batch table's key (its name ends in the table's), by which its archive pages. */
const BATCH_KEYS: Record<string, readonly string[]> = {
  incident_timeline: ['id'],
  incident_events: ['incident_id', 'event_id'],
  incident_spans: ['incident_id'],
  events: ['id'],
  incidents: ['id'],
};

/** One batch of retired incidents, archived and dropped. */
export interface RetiredBatch {
  batch: number;
  incidents: number;
  /** Each of its tables: rows archived, and the manifest's SHA-256 (audited). */
  tables: { table: string; rows: number; manifestSha256: string }[];
}

interface BatchRow {
  id: string;
  resolved_before: Date;
  incidents: number;
  tables: string[];
}

/**
 * The incidents that may leave (resolved more than `days` ago, under no legal hold): batch by
 * batch, `oreguard_retire_incidents` moves them and all that is theirs out of sight, each of
 * the batch's tables is archived and audited as a time partition is, and
 * `oreguard_drop_retired_batch` drops them, checking the audit. A batch a crash left between
 * the steps is finished first.
 */
export async function retireIncidents(
  client: PoolClient,
  audit: AuditService,
  archiveDir: string,
  days: number | null,
  now: Date,
): Promise<RetiredBatch[]> {
  const before = resolvedBefore(now, days);
  const done: RetiredBatch[] = [];
  if (!before) return done;
  for (;;) {
    let [batch] = (
      await client.query<BatchRow>('SELECT * FROM retirement_batches WHERE dropped_at IS NULL ORDER BY id LIMIT 1')
    ).rows;
    if (!batch) {
      const { rows } = await client.query<{ batch: string | null }>(
        'SELECT oreguard_retire_incidents($1, $2) AS batch',
        [before, RETIRE_BATCH_SIZE],
      );
      if (rows[0].batch === null) return done;
      [batch] = (await client.query<BatchRow>('SELECT * FROM retirement_batches WHERE id = $1', [rows[0].batch])).rows;
    }
    done.push(await archiveAndDrop(client, audit, archiveDir, batch, now));
  }
}

async function archiveAndDrop(
  client: PoolClient,
  audit: AuditService,
  archiveDir: string,
  batch: BatchRow,
  now: Date,
): Promise<RetiredBatch> {
  const tables: RetiredBatch['tables'] = [];
  const from = (
    await client.query<{ from: Date | null }>(
      `SELECT min(resolved_at) AS from FROM retired_incidents WHERE batch = $1`,
      [batch.id],
    )
  ).rows[0].from;
  for (const name of batch.tables) {
    const table = name.replace(/^retiring_\d+_/, '');
    const archive: WrittenArchive = await writeArchive(
      client,
      archiveDir,
      { table, name, from: from ?? batch.resolved_before, until: batch.resolved_before, key: BATCH_KEYS[table] },
      now,
    );
    await audit.record({
      actor: 'system',
      action: 'retention.archived',
      target: name,
      details: {
        table,
        batch: Number(batch.id),
        from: archive.manifest.from,
        until: archive.manifest.until,
        rows: archive.manifest.rows,
        file: archive.manifest.file,
        manifestSha256: archive.manifestSha256,
      },
    });
    tables.push({ table, rows: archive.manifest.rows, manifestSha256: archive.manifestSha256 });
  }
  await client.query('SELECT oreguard_drop_retired_batch($1)', [batch.id]);
  return { batch: Number(batch.id), incidents: batch.incidents, tables };
}
