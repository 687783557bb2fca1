import type { PoolClient } from 'pg';
import {
  assembleRemoteId,
  type AssemblyOptions,
  type RemoteIdEventDraft,
  type TransmitterState,
} from 'src/domain/remote-id/remote-id-assembler';
import type { RemoteIdReport } from 'src/domain/remote-id/remote-id-report';

const keyOf = (r: Pick<RemoteIdReport, 'siteId' | 'gatewayId' | 'transmitter'>) =>
  `${r.siteId}/${r.gatewayId}/${r.transmitter}`;

/**
 * What OreGuard remembers of Remote ID transmitters lives in PostgreSQL (`remote_id_transmitters`),
 * read and written in the ingest transaction that stores the events: several instances sharing a
 * subscription each get some of one transmitter's messages (its Basic ID here, its Location there),
 * and a restart must not forget a drone in mid-flight. Each transmitter's row is locked (an advisory
 * lock, taken in key order, so a first sighting is serialised too) until the batch commits; within
 * a batch, payloads of one transmitter are assembled in arrival order.
 */
export async function assembleRemoteIdBatch(
  tx: PoolClient,
  reports: readonly RemoteIdReport[],
  options: AssemblyOptions,
): Promise<RemoteIdEventDraft[][]> {
  if (reports.length === 0) return [];
  const byKey = new Map(reports.map((r) => [keyOf(r), r]));
  const keys = [...byKey.keys()].sort();
  const column = (pick: (r: RemoteIdReport) => string) => keys.map((key) => pick(byKey.get(key)!));
  const [sites, gateways, transmitters] = [
    column((r) => r.siteId),
    column((r) => r.gatewayId),
    column((r) => r.transmitter),
  ];
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('remoteid/' || k, 0)) FROM unnest($1::text[]) AS k ORDER BY k`,
    [keys],
  );
  const { rows } = await tx.query<{
    site_id: string;
    gateway_id: string;
    transmitter: string;
    state: TransmitterState;
  }>(
    `SELECT t.site_id, t.gateway_id, t.transmitter, t.state
       FROM remote_id_transmitters t
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(site_id, gateway_id, transmitter)
         USING (site_id, gateway_id, transmitter)`,
    [sites, gateways, transmitters],
  );
  const states = new Map(
    rows.map((row) => [
      keyOf({ siteId: row.site_id, gatewayId: row.gateway_id, transmitter: row.transmitter }),
      row.state,
    ]),
  );
  const drafts = reports.map((report) => {
    const assembly = assembleRemoteId(report, states.get(keyOf(report)), options);
    states.set(keyOf(report), assembly.state);
    return assembly.drafts;
  });

  await tx.query(
    `INSERT INTO remote_id_transmitters (site_id, gateway_id, transmitter, state, heard_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])
     ON CONFLICT (site_id, gateway_id, transmitter) DO UPDATE SET state = EXCLUDED.state, heard_at = EXCLUDED.heard_at`,
    [
      sites,
      gateways,
      transmitters,
      keys.map((key) => JSON.stringify(states.get(key))),
      keys.map((key) => states.get(key)!.heardAt),
    ],
  );
  return drafts;
}

/**
 * Keeps the memory bounded: forgets transmitters not heard within the time to live (the assembler
 * ignores them anyway) and, beyond the newest `maxTransmitters`, the least recently heard, so a
 * flood of made-up transmitter ids cannot grow it without end. Returns how many were forgotten.
 */
export async function forgetTransmitters(
  db: Pick<PoolClient, 'query'>,
  now: Date,
  { memoryTtlMs, maxTransmitters }: { memoryTtlMs: number; maxTransmitters: number },
): Promise<number> {
  const expired = await db.query(`DELETE FROM remote_id_transmitters WHERE heard_at < $1`, [
    new Date(now.getTime() - memoryTtlMs),
  ]);
  const excess = await db.query(
    `DELETE FROM remote_id_transmitters t
      USING (SELECT site_id, gateway_id, transmitter FROM remote_id_transmitters
              ORDER BY heard_at DESC, site_id, gateway_id, transmitter OFFSET $1) old
      WHERE t.site_id = old.site_id AND t.gateway_id = old.gateway_id AND t.transmitter = old.transmitter`,
    [maxTransmitters],
  );
  return (expired.rowCount ?? 0) + (excess.rowCount ?? 0);
}
