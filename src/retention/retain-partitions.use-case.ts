import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AuditService } from 'src/audit/audit.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { PARTITIONED_TABLES } from 'src/domain/retention/partition-window';
import { partitionsDue, type TimePartition } from 'src/domain/retention/retention-plan';
import { Clock } from 'src/platform/clock';
import { writePartitionArchive } from './partition-archive';
import { retireIncidents, type RetiredBatch } from './retire-incidents';

/** Arbitrary key of the session lock that is the retention job's lease. */
const RETENTION_LEASE_KEY = 734_118_219;

/** What one run did. */
export interface RetentionRun {
  /** False when another instance holds the lease (this run did nothing). */
  leased: boolean;
  /** Each partition dropped: its rows (all archived), and how many of them were events of incidents, kept. */
  dropped: { partition: string; rows: number; kept: number; manifestSha256: string }[];
  /** Each batch of resolved incidents that left (see retire-incidents.ts). */
  retired: RetiredBatch[];
}

/**
 * The retention job (issue 19.2): every partition whose span is older than its table's
 * retention leaves, whole, in three steps: its rows are archived to ARCHIVE_DIR (compressed
 * NDJSON and a manifest of counts and hashes, synced to disk), the manifest's SHA-256 is
 * recorded in the audit log (`retention.archived`), and `oreguard_drop_partition` detaches
 * and drops it, refusing unless that record matches the rows it holds. The events of incidents
 * in an events partition are first kept (moved to events_kept, unchanged), so every incident's
 * evidence stays whole. Before them, resolved incidents past RETENTION_RESOLVED_INCIDENTS_DAYS
 * and under no legal hold leave, archived and audited the same way (retire-incidents.ts).
 * One instance at a time: the lease is a PostgreSQL session lock, released if the instance dies.
 */
@Injectable()
export class RetainPartitionsUseCase {
  private readonly logger = new Logger(RetainPartitionsUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(): Promise<RetentionRun> {
    const client = await this.db.pool.connect();
    try {
      const { rows } = await client.query<{ leased: boolean }>('SELECT pg_try_advisory_lock($1) AS leased', [
        RETENTION_LEASE_KEY,
      ]);
      if (!rows[0].leased) return { leased: false, dropped: [], retired: [] };
      try {
        return await this.retain(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LEASE_KEY]);
      }
    } finally {
      client.release();
    }
  }

  private async retain(client: PoolClient): Promise<RetentionRun> {
    const now = this.clock.now();
    // Incidents first: the events partitions dropped next need not keep the events of those gone.
    const retired = await retireIncidents(
      client,
      this.audit,
      this.config.retention.archiveDir,
      this.config.retention.resolvedIncidentsDays,
      now,
    );
    for (const r of retired) {
      this.logger.log(
        `Retired ${r.incidents} resolved incident(s) (batch ${r.batch}: ${r.tables.map((t) => `${t.rows} ${t.table}`).join(', ')}; archived and audited)`,
      );
    }
    const run: RetentionRun = { leased: true, dropped: [], retired };
    const due = partitionsDue(await listPartitions(client), this.config.retention.days, now);
    for (const partition of due) {
      const archive = await writePartitionArchive(client, this.config.retention.archiveDir, partition, now);
      const { manifest } = archive;
      await this.audit.record({
        actor: 'system',
        action: 'retention.archived',
        target: partition.name,
        details: {
          table: partition.table,
          from: manifest.from,
          until: manifest.until,
          rows: manifest.rows,
          file: manifest.file,
          manifestSha256: archive.manifestSha256,
        },
      });
      const { rows: dropped } = await client.query<{ kept: string }>(
        'SELECT oreguard_drop_partition($1, $2, $3) AS kept',
        [partition.table, partition.name, manifest.rows],
      );
      const kept = Number(dropped[0].kept);
      this.logger.log(
        `Dropped ${partition.name} (${manifest.rows} rows, ${kept} kept for their incidents; archived as ${archive.manifestFile}, manifest ${archive.manifestSha256})`,
      );
      run.dropped.push({
        partition: partition.name,
        rows: manifest.rows,
        kept,
        manifestSha256: archive.manifestSha256,
      });
    }
    return run;
  }
}

/** Every time partition of the partitioned tables (not the default ones). */
export async function listPartitions(db: Pick<PoolClient, 'query'>): Promise<TimePartition[]> {
  const { rows } = await db.query<{ table: TimePartition['table']; name: string; lo: Date; hi: Date }>(
    `SELECT t AS table, b.name, b.lo, b.hi FROM unnest($1::text[]) AS t, LATERAL oreguard_partition_bounds(t) b`,
    [[...PARTITIONED_TABLES]],
  );
  return rows.map((r) => ({ table: r.table, name: r.name, from: r.lo, until: r.hi }));
}
