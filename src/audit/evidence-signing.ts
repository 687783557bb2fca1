import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, CANONICAL_FORM_VERSION } from 'src/domain/audit/canonical-json';

/**
 * Ed25519 signatures over canonical JSON, for evidence bundles and chain checkpoints. A key is
 * named by its fingerprint: the lowercase hex SHA-256 of its 32-byte raw public key (the same
 * bytes as the last 32 of its SPKI DER form).
 */
export const SIGNATURE_ALGORITHM = 'Ed25519';

/** What signs: the private key and the id (fingerprint) and PEM of its public key. */
export interface EvidenceSigner {
  keyId: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`not an Ed25519 key (${publicKey.asymmetricKeyType ?? 'unknown'})`);
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex');
}

export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** A signer from a PKCS#8 PEM private key; throws when it is not an Ed25519 private key. */
export function signerFromPem(pem: string): EvidenceSigner {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`not an Ed25519 private key (${privateKey.asymmetricKeyType ?? 'unknown'})`);
  return { keyId: keyFingerprint(privateKey), publicKeyPem: publicKeyPem(privateKey), privateKey };
}

/** Base64 Ed25519 signature of the UTF-8 bytes of `text`. */
export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

export function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * A signed statement of a chain's head: `chain` is `audit` or `incident/<id>`; `seq` the number
 * of entries (the head's position) and `headHash` the head's hash when it was signed.
 */
export interface Checkpoint {
  id: number;
  chain: string;
  seq: number;
  headHash: string;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  keyId: string;
  /** Base64 Ed25519 over checkpointCanonical. */
  signature: string;
}

export const CHECKPOINT_CANONICAL_DESCRIPTION =
  'checkpoint signature = base64 Ed25519 over the UTF-8 bytes of the canonical JSON of {v, chain, seq, headHash, at, keyId} ' +
  '(chain: "audit" or "incident/<id>"; seq: entries in the chain; headHash: the hash of entry seq)';

export function checkpointCanonical(c: Pick<Checkpoint, 'chain' | 'seq' | 'headHash' | 'at' | 'keyId'>): string {
  return canonicalJson({
    v: CANONICAL_FORM_VERSION,
    chain: c.chain,
    seq: c.seq,
    headHash: c.headHash,
    at: c.at,
    keyId: c.keyId,
  });
}

export const incidentChain = (incidentId: string) => `incident/${incidentId}`;
export const AUDIT_CHAIN = 'audit';
