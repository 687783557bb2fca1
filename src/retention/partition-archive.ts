import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { createGzip } from 'node:zlib';
import type { Queryable } from 'src/database/db';
import type { TimePartition } from 'src/domain/retention/retention-plan';

/** What the archive of one partition (or batch of retired incidents' table) holds, written beside it as `<partition>.manifest.json`. */
export interface ArchiveManifest {
  format: 'oreguard-archive/1';
  table: string;
  partition: string;
  from: string;
  until: string;
  /** Rows in the archive: one JSON object a line (row_to_json of the stored row). */
  rows: number;
  file: string;
  fileBytes: number;
  /** SHA-256 of the compressed file, and of the NDJSON it holds. */
  fileSha256: string;
  ndjsonSha256: string;
  archivedAt: string;
}

export interface WrittenArchive {
  manifest: ArchiveManifest;
  manifestFile: string;
  /** SHA-256 of the manifest file's bytes: what the audit log records. */
  manifestSha256: string;
}

/** Each table's rows in a stable order, by a key its partitions index (the primary key's start). */
const PAGE_KEY: Record<TimePartition['table'], string[]> = {
  events: ['id'],
  rejected_events: ['id'],
  sensor_health_changes: ['id'],
  live_messages: ['site_id', 'seq'],
};
const PAGE_ROWS = 5_000;

/** A table to archive whole: a time partition, or a table of a batch of retired incidents. */
export interface ArchiveSource {
  /** The table its rows belong to (events, incidents, …). */
  table: string;
  /** The table archived, named in the archive's file names. */
  name: string;
  from: Date;
  until: Date;
  /** Columns of a unique key its rows are paged by. */
  key: readonly string[];
}

/** A time partition's archive (see writeArchive). */
export function writePartitionArchive(
  db: Queryable,
  dir: string,
  partition: TimePartition,
  now: Date,
): Promise<WrittenArchive> {
  return writeArchive(db, dir, { ...partition, key: PAGE_KEY[partition.table] }, now);
}

/**
 * Writes every row of a partition to `<dir>/<partition>.ndjson.gz` (page by page: a day of a
 * busy site never sits in memory), then its manifest of counts and hashes; both are synced to
 * disk before this returns, and written under a temporary name first, so a file with the
 * final name is always whole.
 */
export async function writeArchive(
  db: Queryable,
  dir: string,
  partition: ArchiveSource,
  now: Date,
): Promise<WrittenArchive> {
  await mkdir(dir, { recursive: true });
  const file = `${partition.name}.ndjson.gz`;
  const path = join(dir, file);
  const gzip = createGzip();
  const out = createWriteStream(`${path}.partial`);
  gzip.pipe(out);
  const ndjson = createHash('sha256');
  const key = partition.key;
  const columns = key.map(escapeIdentifier).join(', ');
  const after = key.map((_, i) => `$${i + 1}`).join(', ');
  let last: unknown[] | undefined;
  let rows = 0;
  for (;;) {
    const { rows: page } = await db.query<Record<string, unknown> & { line: string }>(
      `SELECT ${columns}, row_to_json(t)::text AS line FROM ${escapeIdentifier(partition.name)} t
        ${last ? `WHERE (${columns}) > (${after})` : ''} ORDER BY ${columns} LIMIT ${PAGE_ROWS}`,
      last ?? [],
    );
    for (const row of page) {
      const line = `${row.line}\n`;
      ndjson.update(line);
      if (!gzip.write(line)) await once(gzip, 'drain');
    }
    rows += page.length;
    if (page.length < PAGE_ROWS) break;
    const end = page[page.length - 1];
    last = key.map((k) => end[k]);
  }
  gzip.end();
  await once(out, 'finish');
  await syncFile(`${path}.partial`);
  await rename(`${path}.partial`, path);

  const fileHash = createHash('sha256');
  let fileBytes = 0;
  for await (const chunk of createReadStream(path)) {
    fileHash.update(chunk as Buffer);
    fileBytes += (chunk as Buffer).length;
  }
  const manifest: ArchiveManifest = {
    format: 'oreguard-archive/1',
    table: partition.table,
    partition: partition.name,
    from: partition.from.toISOString(),
    until: partition.until.toISOString(),
    rows,
    file,
    fileBytes,
    fileSha256: fileHash.digest('hex'),
    ndjsonSha256: ndjson.digest('hex'),
    archivedAt: now.toISOString(),
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestFile = join(dir, `${partition.name}.manifest.json`);
  await writeFile(`${manifestFile}.partial`, text);
  await syncFile(`${manifestFile}.partial`);
  await rename(`${manifestFile}.partial`, manifestFile);
  return { manifest, manifestFile, manifestSha256: createHash('sha256').update(text).digest('hex') };
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
