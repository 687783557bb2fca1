import { z } from 'zod';
import {
  CANONICAL_FORM_DESCRIPTION,
  CANONICAL_FORM_VERSION,
  CHAIN_GENESIS,
  canonicalJson,
  timelineCanonical,
  type TimelineLink,
} from 'src/domain/audit/canonical-json';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseGatewayMessage } from 'src/domain/events/gateway-message';
import {
  CHECKPOINT_CANONICAL_DESCRIPTION,
  checkpointCanonical,
  incidentChain,
  keyFingerprint,
  signText,
  SIGNATURE_ALGORITHM,
  verifyText,
  type Checkpoint,
  type EvidenceSigner,
} from './evidence-signing';
import { ChainWalker, sha256Hex } from './hash-chain';

/**
 * The evidence bundle of one incident (GET /incidents/{id}/evidence): everything needed to check,
 * with no database, that its timeline is the unbroken chain OreGuard recorded and that its events
 * are what the gateways sent, the very events its chain added (each bound by its payload's hash),
 * and that OreGuard made it: it is signed with the evidence key, and carries a signed checkpoint
 * of its chain's head. scripts/verify-evidence.ts runs checkEvidenceBundle on a saved file,
 * against a public key (or fingerprint) the checker trusts.
 */
export const EVIDENCE_FORMAT = 'oreguard-evidence/2';

export const CANONICAL_FORM = {
  version: CANONICAL_FORM_VERSION,
  genesis: CHAIN_GENESIS,
  description: CANONICAL_FORM_DESCRIPTION,
  bundleHash:
    'lowercase hex SHA-256 of the canonical JSON of the whole bundle without its bundleHash and signature fields',
  events:
    'each event is bound by a timeline entry whose details.events lists {id, eventId, siteId, gatewayId, payloadSha256}: ' +
    "payloadSha256 = lowercase hex SHA-256 of the UTF-8 bytes of the event's rawPayload",
  checkpoint: CHECKPOINT_CANONICAL_DESCRIPTION,
  signature:
    'signature = base64 Ed25519 (RFC 8032) over the UTF-8 bytes of the canonical JSON of the whole bundle without its signature field ' +
    '(so it covers bundleHash and signing.keyId); signing.keyId = lowercase hex SHA-256 of the 32-byte raw Ed25519 public key',
};

const TimelineEntrySchema = z.looseObject({
  id: z.number(),
  incidentId: z.string(),
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});

const EvidenceEventSchema = z.looseObject({
  eventId: z.string(),
  siteId: z.string(),
  gatewayId: z.string(),
  kind: z.string(),
  source: z.string(),
  topic: z.string(),
  rawPayload: z.string(),
  receivedAt: z.string(),
  incidentIds: z.array(z.string()),
});

const CheckpointSchema = z.looseObject({
  id: z.number(),
  chain: z.string(),
  seq: z.number().int(),
  headHash: z.string(),
  at: z.string(),
  keyId: z.string(),
  signature: z.string(),
});

export const EvidenceBundleSchema = z.looseObject({
  format: z.literal(EVIDENCE_FORMAT),
  canonicalForm: z.looseObject({ version: z.literal(CANONICAL_FORM_VERSION), genesis: z.literal(CHAIN_GENESIS) }),
  incident: z.looseObject({ id: z.string() }),
  events: z.array(EvidenceEventSchema),
  timeline: z.array(TimelineEntrySchema),
  chainProof: z.looseObject({ entries: z.number(), headHash: z.string(), intact: z.boolean() }),
  checkpoint: CheckpointSchema,
  signing: z.looseObject({ algorithm: z.literal(SIGNATURE_ALGORITHM), keyId: z.string(), publicKey: z.string() }),
  bundleHash: z.string(),
  signature: z.string(),
});

export type EvidenceEvent = z.infer<typeof EvidenceEventSchema>;
export type EvidenceTimelineEntry = TimelineLink & { id: number; hash: string };

export interface UnsealedBundle {
  format: typeof EVIDENCE_FORMAT;
  generatedAt: string;
  generatedBy: string;
  canonicalForm: typeof CANONICAL_FORM;
  incident: { id: string } & Record<string, unknown>;
  events: EvidenceEvent[];
  timeline: EvidenceTimelineEntry[];
  chainProof: {
    entries: number;
    headHash: string;
    intact: boolean;
    firstBroken?: { id: string; seq: number; reason: string };
  };
  /** The signed checkpoint of the timeline's head (chain `incident/<id>`). */
  checkpoint: Checkpoint;
}

export type EvidenceBundle = UnsealedBundle & {
  signing: { algorithm: typeof SIGNATURE_ALGORITHM; keyId: string; publicKey: string };
  bundleHash: string;
  signature: string;
};

export function bundleHash(bundle: Record<string, unknown> | object): string {
  const { bundleHash: _ignored, signature: _signature, ...rest } = bundle as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/** The text a bundle's signature covers: its canonical JSON without the signature. */
export function signedText(bundle: Record<string, unknown> | object): string {
  const { signature: _ignored, ...rest } = bundle as Record<string, unknown>;
  return canonicalJson(rest);
}

/** Walks a bundle's timeline as a chain: the proof the server states, recomputed. */
export function timelineProof(timeline: readonly EvidenceTimelineEntry[]): UnsealedBundle['chainProof'] {
  const walker = new ChainWalker<EvidenceTimelineEntry>(timelineCanonical);
  for (const entry of timeline) {
    const fault = walker.next(entry);
    if (fault) return { entries: walker.count, headHash: walker.headHash, intact: false, firstBroken: fault };
  }
  return { entries: walker.count, headHash: walker.headHash, intact: true };
}

/** Adds the signer, the bundle hash and the signature. */
export function sealBundle(bundle: UnsealedBundle, signer: EvidenceSigner): EvidenceBundle {
  const signing: EvidenceBundle['signing'] = {
    algorithm: SIGNATURE_ALGORITHM,
    keyId: signer.keyId,
    publicKey: signer.publicKeyPem,
  };
  const hashed = { ...bundle, signing, bundleHash: bundleHash({ ...bundle, signing }) };
  return { ...hashed, signature: signText(signer.privateKey, signedText(hashed)) };
}

/**
 * What the checker trusts: the evidence public key (PEM, from GET /evidence/keys or handed over
 * out of band), or a pinned fingerprint, which the bundle's own public key must have.
 */
export type EvidenceTrust = { publicKey: string | KeyObject } | { fingerprint: string };

export type EvidenceCheck =
  | {
      ok: true;
      timelineEntries: number;
      headHash: string;
      eventsChecked: number;
      eventsNotDerivable: number;
      keyId: string;
      checkpoint: { seq: number; at: string };
    }
  | { ok: false; fault: string };

/**
 * Checks a bundle offline: its shape; every timeline hash and link and the stated chain proof;
 * the checkpoint (its chain, its position and hash in the timeline, its signature); that every
 * event is one a timeline entry bound, with the hash of its raw payload, and that no event the
 * timeline bound is left out; each event against the
 * raw payload it was derived from (re-parsed exactly as ingestion parsed it); the bundle hash;
 * and the signature, under the key the checker trusts. Returns the first fault found.
 */
export function checkEvidenceBundle(input: unknown, trust: EvidenceTrust): EvidenceCheck {
  const fail = (fault: string): EvidenceCheck => ({ ok: false, fault });
  if (typeof input === 'object' && input !== null && !('signature' in input)) {
    return fail('signature: the bundle is not signed; an unsigned bundle proves nothing');
  }
  const parsed = EvidenceBundleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`bundle: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const bundle = parsed.data;

  // The key first: which key signed it, and whether it is the trusted one.
  let bundleKey: KeyObject;
  try {
    bundleKey = createPublicKey(bundle.signing.publicKey);
    if (keyFingerprint(bundleKey) !== bundle.signing.keyId) {
      return fail(`signing: keyId ${bundle.signing.keyId} is not the fingerprint of the public key the bundle carries`);
    }
  } catch (error) {
    return fail(`signing: publicKey is not an Ed25519 public key (${(error as Error).message})`);
  }
  let trustedId: string;
  try {
    trustedId =
      'fingerprint' in trust
        ? trust.fingerprint.toLowerCase()
        : keyFingerprint(typeof trust.publicKey === 'string' ? createPublicKey(trust.publicKey) : trust.publicKey);
  } catch (error) {
    return fail(`trusted key: not an Ed25519 public key (${(error as Error).message})`);
  }
  if (bundle.signing.keyId !== trustedId) {
    return fail(`signing: the bundle is signed under key ${bundle.signing.keyId}, not the trusted key ${trustedId}`);
  }

  const incidentId = bundle.incident.id;
  const walker = new ChainWalker<EvidenceTimelineEntry>(timelineCanonical);
  const hashAt = new Map<number, string>();
  const bound = new Map<string, { payloadSha256: string; entry: number }>();
  for (const [i, entry] of bundle.timeline.entries()) {
    if (entry.incidentId !== incidentId)
      return fail(`timeline[${i}] (entry ${entry.id}): belongs to incident ${entry.incidentId}, not ${incidentId}`);
    const fault = walker.next(entry as EvidenceTimelineEntry);
    if (fault) return fail(`timeline[${i}] (entry ${fault.id}, position ${fault.seq}): ${fault.reason}`);
    hashAt.set(entry.seq, entry.hash);
    for (const b of boundEvents(entry.details))
      bound.set(eventKey(b), { payloadSha256: b.payloadSha256, entry: entry.id });
  }
  const proof = bundle.chainProof;
  if (!proof.intact) return fail('chainProof: OreGuard reported this timeline broken when it made the bundle');
  if (proof.entries !== walker.count || proof.headHash !== walker.headHash) {
    return fail(
      `chainProof: states ${proof.entries} entries ending in ${proof.headHash}; the timeline gives ${walker.count} ending in ${walker.headHash}`,
    );
  }

  const cp = bundle.checkpoint;
  if (cp.chain !== incidentChain(incidentId))
    return fail(`checkpoint: is of chain ${cp.chain}, not ${incidentChain(incidentId)}`);
  if (cp.keyId !== trustedId) return fail(`checkpoint: signed under key ${cp.keyId}, not the trusted key ${trustedId}`);
  if (!verifyText(bundleKey, checkpointCanonical(cp), cp.signature))
    return fail(`checkpoint: its signature does not verify under key ${cp.keyId}`);
  if (walker.count < cp.seq) {
    return fail(
      `checkpoint: records ${cp.seq} timeline entries ending in ${cp.headHash}; the timeline has only ${walker.count}: entries are missing`,
    );
  }
  if (hashAt.get(cp.seq) !== cp.headHash) {
    return fail(
      `checkpoint: records ${cp.headHash} at position ${cp.seq}; the timeline has ${hashAt.get(cp.seq)} there`,
    );
  }

  let checked = 0;
  let notDerivable = 0;
  for (const [i, event] of bundle.events.entries()) {
    if (!event.incidentIds.includes(incidentId))
      return fail(`events[${i}] (${event.eventId}): not linked to incident ${incidentId}`);
    const binding = bound.get(eventKey(event));
    if (!binding) return fail(`events[${i}] (${event.eventId}): no timeline entry binds this event to the incident`);
    const payloadHash = sha256Hex(event.rawPayload);
    if (payloadHash !== binding.payloadSha256) {
      return fail(
        `events[${i}] (${event.eventId}): its raw payload hashes to ${payloadHash}, not the ${binding.payloadSha256} that timeline entry ${binding.entry} recorded`,
      );
    }
    const outcome = deriveEvent(event);
    if (outcome === 'not-derivable') {
      notDerivable += 1;
      continue;
    }
    if (typeof outcome === 'string') return fail(`events[${i}] (${event.eventId}): ${outcome}`);
    checked += 1;
  }

  const shown = new Set(bundle.events.map(eventKey));
  for (const [key, binding] of bound) {
    if (!shown.has(key)) return fail(`timeline entry ${binding.entry} binds event ${key}, which the bundle leaves out`);
  }

  const expected = bundleHash(input as Record<string, unknown>);
  if (bundle.bundleHash !== expected)
    return fail(`bundleHash: ${bundle.bundleHash} is not the hash of the bundle (${expected})`);
  if (!verifyText(bundleKey, signedText(input as Record<string, unknown>), bundle.signature)) {
    return fail(
      `signature: does not verify under key ${bundle.signing.keyId}: the bundle was changed after it was signed`,
    );
  }
  return {
    ok: true,
    timelineEntries: walker.count,
    headHash: walker.headHash,
    eventsChecked: checked,
    eventsNotDerivable: notDerivable,
    keyId: bundle.signing.keyId,
    checkpoint: { seq: cp.seq, at: cp.at },
  };
}

const eventKey = (e: { siteId: string; gatewayId: string; eventId: string }) =>
  `${e.siteId}/${e.gatewayId}/${e.eventId}`;

const BoundEventSchema = z.looseObject({
  eventId: z.string(),
  siteId: z.string(),
  gatewayId: z.string(),
  payloadSha256: z.string(),
});

/** The events a timeline entry binds (details.events, see src/incidents/event-binding.ts). */
function boundEvents(details: unknown): z.infer<typeof BoundEventSchema>[] {
  const events = (details as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return [];
  return events.flatMap((e) => {
    const parsed = BoundEventSchema.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The fields of an event that ingestion derived from its payload. */
function normalisedFields(e: Record<string, unknown>, kind: string) {
  return canonicalJson({
    eventId: e['eventId'],
    siteId: e['siteId'],
    gatewayId: e['gatewayId'],
    sensorId: e['sensorId'],
    kind: e['kind'],
    occurredAt: e['occurredAt'] instanceof Date ? e['occurredAt'].toISOString() : e['occurredAt'],
    severity: e['severity'],
    zone: e['zone'],
    seq: e['seq'],
    source: e['source'],
    [kind]: e[kind],
  });
}

/** The topic prefix: what precedes `sites/{site}/gateways/{gateway}/{leaf}[/{sensor}]`. */
function topicPrefix(topic: string): string | undefined {
  const parts = topic.split('/');
  for (const tail of [5, 6]) {
    const start = parts.length - tail;
    if (start >= 0 && parts[start] === 'sites' && parts[start + 2] === 'gateways')
      return parts.slice(0, start).join('/');
  }
  return undefined;
}

/**
 * true when the event is what its payload gives; a fault; or 'not-derivable' (Remote ID,
 * assembled from several messages; health, a tamper event OreGuard wrote from a status report
 * or from silence; reconciliation, a discrepancy OreGuard found across material records).
 */
function deriveEvent(event: EvidenceEvent): true | 'not-derivable' | string {
  if (event.source === 'remoteid' || event.source === 'health' || event.source === 'reconciliation')
    return 'not-derivable';
  const prefix = topicPrefix(event.topic);
  if (prefix === undefined) return `topic ${JSON.stringify(event.topic)} is not a gateway topic`;
  const cyber = event['cyber'] as { network?: 'ot' | 'it' } | undefined;
  const parsed = parseGatewayMessage(prefix, event.topic, Buffer.from(event.rawPayload, 'utf8'), {
    now: new Date(event.receivedAt),
    // The check is of derivation, not of timing: the event was accepted when it arrived.
    maxFutureMs: Number.POSITIVE_INFINITY,
    // The sensor's registered network is not in the payload: take the event's own.
    sensorNetwork: () => cyber?.network,
  });
  if (!parsed.ok) return `its raw payload no longer parses (${parsed.reason})`;
  if (parsed.type !== 'event') return 'its raw payload is not an event';
  const derived = normalisedFields(parsed.event as unknown as Record<string, unknown>, parsed.event.kind);
  const shown = normalisedFields(event, event.kind);
  return derived === shown
    ? true
    : `does not match its raw payload (payload gives ${derived}; the bundle shows ${shown})`;
}
