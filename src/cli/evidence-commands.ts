import { EvidenceKeyStore } from 'src/audit/evidence-keys';
import { loadConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { SecretBox } from 'src/sites/secret-box';
import { emit, type CliCommand } from './cli-command';

/** Runs fn with the evidence key store of the configured database (DATABASE_URL, GATEWAY_SECRET_KEY), then closes it. */
async function withKeys<T>(fn: (keys: EvidenceKeyStore, configured: boolean) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { requireJwtSecret: false });
  const db = new Db(config.database.url, 1);
  try {
    // The configured key (if any) is not passed: the CLI rotates the kept generated key only.
    return await fn(
      new EvidenceKeyStore(db, new SecretBox(config.gateways.secretKey)),
      config.evidence.signingKeyPem !== undefined,
    );
  } finally {
    await db.close();
  }
}

/** The evidence signing keys from a terminal: list them, make a new generated key current. */
export const evidenceCommands: CliCommand[] = [
  {
    name: 'evidence:keys',
    usage: 'evidence:keys   the evidence signing keys, newest first: fingerprint, origin, created, retired',
    async run(_args, out) {
      const keys = await withKeys((store) => store.list());
      emit(out, { items: keys }, () => {
        for (const k of keys) {
          out.line(
            `${k.fingerprint} ${k.origin} created=${k.createdAt} ${k.current ? 'current' : `retired=${k.retiredAt}`}`,
          );
        }
      });
    },
  },
  {
    name: 'evidence:rotate-key',
    usage:
      'evidence:rotate-key   retire the current evidence key and make a new one (kept sealed under GATEWAY_SECRET_KEY); old keys stay verifiable',
    async run(_args, out) {
      const rotated = await withKeys((store, configured) => {
        if (configured)
          throw new Error('EVIDENCE_SIGNING_KEY is set: rotate by configuring another key on every instance');
        return store.rotate(new Date());
      });
      emit(out, { current: rotated.current.keyId, retired: rotated.retired ?? null }, () =>
        out.line(
          `Evidence key ${rotated.current.keyId} is current${rotated.retired ? `; ${rotated.retired} retired` : ''}`,
        ),
      );
    },
  },
];
