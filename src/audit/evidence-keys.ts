import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Db, Queryable } from 'src/database/db';
import type { SecretBox } from 'src/sites/secret-box';
import {
  keyFingerprint,
  publicKeyPem,
  signerFromPem,
  SIGNATURE_ALGORITHM,
  type EvidenceSigner,
} from './evidence-signing';

/** An evidence key as GET /evidence/keys shows it. */
export interface EvidenceKeyView {
  keyId: string;
  fingerprint: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  publicKey: string;
  /** Made by OreGuard (its private key kept sealed in the database) or given as EVIDENCE_SIGNING_KEY. */
  origin: 'generated' | 'configured';
  createdAt: string;
  retiredAt: string | null;
  current: boolean;
}

interface KeyRow {
  key_id: string;
  public_key: string;
  private_key_sealed: string | null;
  created_at: Date;
  retired_at: Date | null;
}

/** Serialises key changes between instances (its own advisory key space). */
const KEY_LOCK = 'SELECT pg_advisory_xact_lock(734118208, 0)';

const sealIdentity = (keyId: string) => `evidence-key/${keyId}`;

const configuredElsewhere = (keyId: string) =>
  new Error(
    `the current evidence key ${keyId} was given as EVIDENCE_SIGNING_KEY to another instance and this one has none: ` +
      'set the same key here, or make a generated key current (npm run cli -- evidence:rotate-key)',
  );

/**
 * The evidence signing keys (table evidence_keys, migration 1764900000000). With
 * EVIDENCE_SIGNING_KEY the configured key is current; without it, the current key is one
 * OreGuard made on first start, its private key sealed under GATEWAY_SECRET_KEY (SecretBox) so
 * every instance signs with the same key. Making another key current retires the one before;
 * retired keys stay listed, so what they signed stays verifiable.
 */
export class EvidenceKeyStore {
  private readonly opened = new Map<string, EvidenceSigner>();
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly configured?: EvidenceSigner,
  ) {}

  /**
   * Makes sure a current key exists and this instance can sign with it: the configured key
   * (registered and made current), else the current generated key (made now if there is none).
   * Throws when the current key is a configured one this instance was not given: instances
   * must agree on the key (rotate to a generated key with `npm run cli -- evidence:rotate-key`).
   */
  async ensureCurrent(now: Date): Promise<{ signer: EvidenceSigner; made: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query(KEY_LOCK);
      if (this.configured) {
        const c = this.configured;
        await tx.query(
          `INSERT INTO evidence_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [c.keyId, c.publicKeyPem, now],
        );
        await tx.query(`UPDATE evidence_keys SET retired_at = $2 WHERE retired_at IS NULL AND key_id <> $1`, [
          c.keyId,
          now,
        ]);
        await tx.query(`UPDATE evidence_keys SET retired_at = NULL WHERE key_id = $1 AND retired_at IS NOT NULL`, [
          c.keyId,
        ]);
        return { signer: c, made: false };
      }
      const { rows } = await tx.query<KeyRow>('SELECT * FROM evidence_keys WHERE retired_at IS NULL');
      const current = rows[0];
      if (current?.private_key_sealed) return { signer: this.open(current), made: false };
      if (current) throw configuredElsewhere(current.key_id);
      return { signer: await this.make(tx, now), made: true };
    });
  }

  /**
   * Retires the current key and makes a new generated one current (not with EVIDENCE_SIGNING_KEY
   * set: then configure another key). Running instances sign with it from their next signature.
   */
  async rotate(now: Date): Promise<{ retired: string | null; current: EvidenceSigner }> {
    if (this.configured) throw new Error('EVIDENCE_SIGNING_KEY is set: rotate by configuring another key');
    return this.db.transaction(async (tx) => {
      await tx.query(KEY_LOCK);
      const { rows } = await tx.query<{ key_id: string }>(
        'UPDATE evidence_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING key_id',
        [now],
      );
      return { retired: rows[0]?.key_id ?? null, current: await this.make(tx, now) };
    });
  }

  /**
   * The key to sign with now: the configured one, or the current generated key (read each
   * time, so a rotation by another instance or the CLI is followed at once).
   */
  async signer(): Promise<EvidenceSigner> {
    if (this.configured) return this.configured;
    const rows = await this.db.query<KeyRow>('SELECT * FROM evidence_keys WHERE retired_at IS NULL');
    const current = rows[0];
    if (!current) return (await this.ensureCurrent(new Date())).signer;
    if (!current.private_key_sealed) throw configuredElsewhere(current.key_id);
    return this.open(current);
  }

  /** A key's public key by id (fingerprint), current or retired; undefined for an unknown one. */
  async publicKey(keyId: string): Promise<KeyObject | undefined> {
    const known = this.publicKeys.get(keyId);
    if (known) return known;
    const rows = await this.db.query<{ public_key: string }>('SELECT public_key FROM evidence_keys WHERE key_id = $1', [
      keyId,
    ]);
    if (!rows[0]) return undefined;
    const key = createPublicKey(rows[0].public_key);
    this.publicKeys.set(keyId, key);
    return key;
  }

  /** Every key, newest first. */
  async list(): Promise<EvidenceKeyView[]> {
    const rows = await this.db.query<KeyRow>('SELECT * FROM evidence_keys ORDER BY created_at DESC, key_id');
    return rows.map((r) => ({
      keyId: r.key_id,
      fingerprint: r.key_id,
      algorithm: SIGNATURE_ALGORITHM,
      publicKey: r.public_key,
      origin: r.private_key_sealed ? 'generated' : 'configured',
      createdAt: r.created_at.toISOString(),
      retiredAt: r.retired_at?.toISOString() ?? null,
      current: r.retired_at === null,
    }));
  }

  private open(row: KeyRow): EvidenceSigner {
    const known = this.opened.get(row.key_id);
    if (known) return known;
    let pem: string;
    try {
      pem = this.box.open(row.private_key_sealed!, sealIdentity(row.key_id));
    } catch {
      throw new Error(
        `evidence key ${row.key_id} cannot be opened: GATEWAY_SECRET_KEY is not the key it was sealed under (set the same GATEWAY_SECRET_KEY on every instance)`,
      );
    }
    const signer = signerFromPem(pem);
    if (signer.keyId !== row.key_id)
      throw new Error(`evidence key ${row.key_id}: its private key does not match its id`);
    this.opened.set(row.key_id, signer);
    return signer;
  }

  private async make(tx: Queryable, now: Date): Promise<EvidenceSigner> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const keyId = keyFingerprint(privateKey);
    await tx.query(
      'INSERT INTO evidence_keys (key_id, public_key, private_key_sealed, created_at) VALUES ($1, $2, $3, $4)',
      [keyId, publicKeyPem(privateKey), this.box.seal(pem, sealIdentity(keyId)), now],
    );
    const signer = { keyId, publicKeyPem: publicKeyPem(privateKey), privateKey };
    this.opened.set(keyId, signer);
    return signer;
  }
}
