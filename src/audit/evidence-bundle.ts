import { z } from 'zod';
import {
  CANONICAL_FORM_DESCRIPTION,
  CANONICAL_FORM_VERSION,
  CHAIN_GENESIS,
  canonicalJson,
  timelineCanonical,
  type TimelineLink,
} from 'src/domain/audit/canonical-json';
import { parseGatewayMessage } from 'src/domain/events/gateway-message';
import { ChainWalker, sha256Hex } from './hash-chain';

/**
 * The evidence bundle of one incident (GET /incidents/{id}/evidence): everything needed to check,
 * with no database, that its timeline is the unbroken chain OreGuard recorded and that its events
 * are what the gateways sent. scripts/verify-evidence.ts runs checkEvidenceBundle on a saved file.
 */
export const EVIDENCE_FORMAT = 'oreguard-evidence/1';

export const CANONICAL_FORM = {
  version: CANONICAL_FORM_VERSION,
  genesis: CHAIN_GENESIS,
  description: CANONICAL_FORM_DESCRIPTION,
  bundleHash: 'lowercase hex SHA-256 of the canonical JSON of the whole bundle without its bundleHash field',
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

const EvidenceBundleSchema = z.looseObject({
  format: z.literal(EVIDENCE_FORMAT),
  canonicalForm: z.looseObject({ version: z.literal(CANONICAL_FORM_VERSION), genesis: z.literal(CHAIN_GENESIS) }),
  incident: z.looseObject({ id: z.string() }),
  events: z.array(EvidenceEventSchema),
  timeline: z.array(TimelineEntrySchema),
  chainProof: z.looseObject({ entries: z.number(), headHash: z.string(), intact: z.boolean() }),
  bundleHash: z.string(),
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
  chainProof: { entries: number; headHash: string; intact: boolean; firstBroken?: { id: string; seq: number; reason: string } };
}

export type EvidenceBundle = UnsealedBundle & { bundleHash: string };

export function bundleHash(bundle: Omit<EvidenceBundle, 'bundleHash'> | Record<string, unknown>): string {
  const { bundleHash: _ignored, ...rest } = bundle as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
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

export function sealBundle(bundle: UnsealedBundle): EvidenceBundle {
  return { ...bundle, bundleHash: bundleHash(bundle) };
}

export type EvidenceCheck =
  | { ok: true; timelineEntries: number; headHash: string; eventsChecked: number; eventsNotDerivable: number }
  | { ok: false; fault: string };

/**
 * Checks a bundle offline: its shape, every timeline hash and link, the stated chain proof, the
 * bundle hash, and each event against the raw payload it was derived from (re-parsed exactly as
 * ingestion parsed it). Returns the first fault found.
 */
export function checkEvidenceBundle(input: unknown): EvidenceCheck {
  const parsed = EvidenceBundleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, fault: `bundle: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const bundle = parsed.data;

  const incidentId = bundle.incident.id;
  const walker = new ChainWalker<EvidenceTimelineEntry>(timelineCanonical);
  for (const [i, entry] of bundle.timeline.entries()) {
    if (entry.incidentId !== incidentId) return { ok: false, fault: `timeline[${i}] (entry ${entry.id}): belongs to incident ${entry.incidentId}, not ${incidentId}` };
    const fault = walker.next(entry as EvidenceTimelineEntry);
    if (fault) return { ok: false, fault: `timeline[${i}] (entry ${fault.id}, position ${fault.seq}): ${fault.reason}` };
  }
  const proof = bundle.chainProof;
  if (!proof.intact) return { ok: false, fault: 'chainProof: OreGuard reported this timeline broken when it made the bundle' };
  if (proof.entries !== walker.count || proof.headHash !== walker.headHash) {
    return { ok: false, fault: `chainProof: states ${proof.entries} entries ending in ${proof.headHash}; the timeline gives ${walker.count} ending in ${walker.headHash}` };
  }

  let checked = 0;
  let notDerivable = 0;
  for (const [i, event] of bundle.events.entries()) {
    if (!event.incidentIds.includes(incidentId)) return { ok: false, fault: `events[${i}] (${event.eventId}): not linked to incident ${incidentId}` };
    const outcome = deriveEvent(event);
    if (outcome === 'not-derivable') {
      notDerivable += 1;
      continue;
    }
    if (typeof outcome === 'string') return { ok: false, fault: `events[${i}] (${event.eventId}): ${outcome}` };
    checked += 1;
  }

  const expected = bundleHash(input as Record<string, unknown>);
  if (bundle.bundleHash !== expected) return { ok: false, fault: `bundleHash: ${bundle.bundleHash} is not the hash of the bundle (${expected})` };
  return { ok: true, timelineEntries: walker.count, headHash: walker.headHash, eventsChecked: checked, eventsNotDerivable: notDerivable };
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
    if (start >= 0 && parts[start] === 'sites' && parts[start + 2] === 'gateways') return parts.slice(0, start).join('/');
  }
  return undefined;
}

/**
 * true when the event is what its payload gives; a fault; or 'not-derivable' (Remote ID,
 * assembled from several messages; health, a tamper event OreGuard wrote from a status report
 * or from silence).
 */
function deriveEvent(event: EvidenceEvent): true | 'not-derivable' | string {
  if (event.source === 'remoteid' || event.source === 'health') return 'not-derivable';
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
  return derived === shown ? true : `does not match its raw payload (payload gives ${derived}; the bundle shows ${shown})`;
}
