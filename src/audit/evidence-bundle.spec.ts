import { generateKeyPairSync } from 'node:crypto';
import { CHAIN_GENESIS, timelineCanonical } from 'src/domain/audit/canonical-json';
import {
  bundleHash,
  CANONICAL_FORM,
  EVIDENCE_FORMAT,
  checkEvidenceBundle,
  sealBundle,
  timelineProof,
  type EvidenceBundle,
  type EvidenceTimelineEntry,
} from './evidence-bundle';
import { checkpointCanonical, keyFingerprint, publicKeyPem, signText, type EvidenceSigner } from './evidence-signing';
import { sha256Hex } from './hash-chain';

const INCIDENT = '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11';

function aSigner(): EvidenceSigner {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyId: keyFingerprint(privateKey), publicKeyPem: publicKeyPem(privateKey), privateKey };
}

const OREGUARD = aSigner();
const TRUST = { publicKey: OREGUARD.publicKeyPem };

function chain(entries: { at: string; actor: string; action: string; details: object }[]): EvidenceTimelineEntry[] {
  let prevHash = CHAIN_GENESIS;
  return entries.map((e, i) => {
    const link = { incidentId: INCIDENT, seq: i + 1, ...e, prevHash };
    const hash = sha256Hex(timelineCanonical(link));
    prevHash = hash;
    return { id: 100 + i, ...link, hash };
  });
}

/** Recomputes the chain proof and checkpoint and signs, as OreGuard (or a forger with `signer`) would. */
function sign(
  bundle: Omit<EvidenceBundle, 'checkpoint' | 'signing' | 'bundleHash' | 'signature'> & Partial<EvidenceBundle>,
  signer: EvidenceSigner,
): EvidenceBundle {
  const chainProof = timelineProof(bundle.timeline);
  const head = {
    chain: `incident/${INCIDENT}`,
    seq: chainProof.entries,
    headHash: chainProof.headHash,
    at: '2026-11-29T04:00:00.000Z',
    keyId: signer.keyId,
  };
  const checkpoint = { id: 7, ...head, signature: signText(signer.privateKey, checkpointCanonical(head)) };
  const { signing: _s, bundleHash: _h, signature: _sig, ...unsigned } = bundle;
  return sealBundle({ ...unsigned, chainProof, checkpoint }, signer);
}

const PAYLOAD = {
  eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
  sensorId: 'fence-north-4',
  kind: 'theft',
  occurredAt: '2026-11-29T03:12:44.120+01:00',
  severity: 'high',
  zone: 'north-fence',
  theft: { category: 'perimeter_breach', description: 'Fence cut' },
};

function binding(rawPayload: string) {
  return {
    id: 55,
    eventId: PAYLOAD.eventId,
    siteId: 'tarkwa-2',
    gatewayId: 'gw-1',
    payloadSha256: sha256Hex(rawPayload),
  };
}

function aBundle(): EvidenceBundle {
  const rawPayload = JSON.stringify(PAYLOAD);
  const timeline = chain([
    {
      at: '2026-11-29T02:12:45.000Z',
      actor: 'system',
      action: 'opened',
      details: { eventIds: [55], eventCount: 1, events: [binding(rawPayload)] },
    },
    { at: '2026-11-29T02:15:00.000Z', actor: 'lead-1', action: 'acknowledged', details: {} },
    { at: '2026-11-29T02:16:00.000Z', actor: 'lead-1', action: 'noted', details: { text: 'Guards sent' } },
  ]);
  return sign(
    {
      format: EVIDENCE_FORMAT,
      generatedAt: '2026-11-29T04:00:00.000Z',
      generatedBy: 'lead-1',
      canonicalForm: CANONICAL_FORM,
      incident: { id: INCIDENT, siteId: 'tarkwa-2', title: 'Perimeter breach', eventCount: 1 },
      events: [
        {
          eventId: PAYLOAD.eventId,
          siteId: 'tarkwa-2',
          gatewayId: 'gw-1',
          sensorId: PAYLOAD.sensorId,
          kind: 'theft',
          occurredAt: '2026-11-29T02:12:44.120Z',
          severity: 'high',
          zone: 'north-fence',
          theft: PAYLOAD.theft,
          receivedAt: '2026-11-29T02:12:44.500Z',
          source: 'canonical',
          late: false,
          incidentIds: [INCIDENT],
          topic: 'oreguard/v1/sites/tarkwa-2/gateways/gw-1/events',
          rawPayload,
        },
      ],
      timeline,
      chainProof: timelineProof(timeline),
    },
    OREGUARD,
  );
}

/** Rehashes every timeline entry from the first, so the chain holds together again. */
function rechain(timeline: EvidenceTimelineEntry[]): void {
  let prevHash = CHAIN_GENESIS;
  for (const [i, entry] of timeline.entries()) {
    entry.seq = i + 1;
    entry.prevHash = prevHash;
    entry.hash = sha256Hex(timelineCanonical(entry));
    prevHash = entry.hash;
  }
}

/** Altered by `change` with the chain proof and bundle hash recomputed, keeping the signature: a forger without the key. */
function forged(change: (b: EvidenceBundle) => void): EvidenceBundle {
  const bundle = structuredClone(aBundle());
  change(bundle);
  const proven = { ...bundle, chainProof: timelineProof(bundle.timeline) };
  return { ...proven, bundleHash: bundleHash(proven) };
}

/** Altered by `change`, every hash recomputed, checkpoint and bundle signed again under the forger's own key. */
function reSigned(change: (b: EvidenceBundle) => void, signer = aSigner()): EvidenceBundle {
  const bundle = structuredClone(aBundle());
  change(bundle);
  return sign(bundle, signer);
}

/** The three forgeries the probe found passing. */
const FORGERIES: [string, (b: EvidenceBundle) => void][] = [
  [
    "rewrites the theft event's raw payload and fields",
    (b) => {
      const raw = { ...PAYLOAD, zone: 'south-gate', theft: { category: 'perimeter_breach', description: 'Nothing' } };
      Object.assign(b.events[0], { rawPayload: JSON.stringify(raw), zone: raw.zone, theft: raw.theft });
    },
  ],
  [
    'rewrites a timeline actor',
    (b) => {
      b.timeline[1].actor = 'someone-else';
      rechain(b.timeline);
    },
  ],
  ['cuts the timeline to one entry', (b) => b.timeline.splice(1)],
];

describe('checking an evidence bundle offline', () => {
  it('accepts the bundle as made, under its public key or its pinned fingerprint', () => {
    const expected = {
      ok: true,
      timelineEntries: 3,
      headHash: aBundle().timeline[2].hash,
      eventsChecked: 1,
      eventsNotDerivable: 0,
      keyId: OREGUARD.keyId,
      checkpoint: { seq: 3, at: '2026-11-29T04:00:00.000Z' },
    };
    expect(checkEvidenceBundle(aBundle(), TRUST)).toEqual(expected);
    expect(checkEvidenceBundle(aBundle(), { fingerprint: OREGUARD.keyId.toUpperCase() })).toEqual(expected);
  });

  it.each(FORGERIES)('refuses a bundle that %s, with every hash recomputed but no key to sign it', (_, change) => {
    expect(checkEvidenceBundle(forged(change), TRUST)).toMatchObject({ ok: false });
  });

  it.each(FORGERIES)('refuses a bundle that %s and is signed again under another key', (_, change) => {
    const bundle = reSigned(change);
    expect(checkEvidenceBundle(bundle, TRUST)).toEqual({
      ok: false,
      fault: `signing: the bundle is signed under key ${bundle.signing.keyId}, not the trusted key ${OREGUARD.keyId}`,
    });
    expect(checkEvidenceBundle(bundle, { fingerprint: OREGUARD.keyId })).toMatchObject({
      ok: false,
      fault: expect.stringMatching(/^signing: /),
    });
  });

  it('finds a raw payload rewritten, by the hash its timeline entry recorded', () => {
    const result = checkEvidenceBundle(forged(FORGERIES[0][1]), TRUST);
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(
        /^events\[0\] .*its raw payload hashes to [0-9a-f]{64}, not the [0-9a-f]{64} that timeline entry 100 recorded/,
      ),
    });
  });

  it('finds a timeline rewritten and rechained, by the signed checkpoint of its head', () => {
    const result = checkEvidenceBundle(forged(FORGERIES[1][1]), TRUST);
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(
        /^checkpoint: records [0-9a-f]{64} at position 3; the timeline has [0-9a-f]{64} there/,
      ),
    });
  });

  it('finds a timeline cut short, by the signed checkpoint of its head', () => {
    const result = checkEvidenceBundle(forged(FORGERIES[2][1]), TRUST);
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(
        /^checkpoint: records 3 timeline entries .*the timeline has only 1: entries are missing/,
      ),
    });
  });

  it('finds an event that no timeline entry bound to the incident', () => {
    const result = checkEvidenceBundle(
      reSigned((b) => {
        b.timeline[0].details = { eventIds: [55], eventCount: 1 };
        rechain(b.timeline);
      }, OREGUARD),
      TRUST,
    );
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(/^events\[0\] .*no timeline entry binds this event/),
    });
  });

  it('finds an event the timeline bound left out of the bundle', () => {
    const result = checkEvidenceBundle(
      reSigned((b) => b.events.splice(0, 1), OREGUARD),
      TRUST,
    );
    expect(result).toEqual({
      ok: false,
      fault: `timeline entry 100 binds event tarkwa-2/gw-1/${PAYLOAD.eventId}, which the bundle leaves out`,
    });
  });

  it('refuses an unsigned bundle, and one whose change was not signed', () => {
    const { signature: _, ...unsigned } = aBundle();
    expect(checkEvidenceBundle(unsigned, TRUST)).toEqual({
      ok: false,
      fault: expect.stringMatching(/^signature: the bundle is not signed/),
    });
    const changed = forged((b) => (b.generatedBy = 'someone-else'));
    expect(checkEvidenceBundle(changed, TRUST)).toEqual({
      ok: false,
      fault: expect.stringMatching(/^signature: does not verify under key/),
    });
  });

  it('refuses a checkpoint whose signature does not hold', () => {
    const bad = structuredClone(aBundle());
    bad.checkpoint.at = '2026-11-30T00:00:00.000Z';
    expect(checkEvidenceBundle(bad, TRUST)).toEqual({
      ok: false,
      fault: expect.stringMatching(/^checkpoint: its signature does not verify/),
    });
  });

  it('finds a note rewritten in the timeline, naming the entry', () => {
    const result = checkEvidenceBundle(
      forged((b) => ((b.timeline[2].details as { text: string }).text = 'Nothing seen')),
      TRUST,
    );
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(/^timeline\[2\] \(entry 102, position 3\): its content does not match its hash/),
    });
  });

  it('finds an entry removed from the middle of the timeline', () => {
    const result = checkEvidenceBundle(
      forged((b) => b.timeline.splice(1, 1)),
      TRUST,
    );
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(/^timeline\[1\] \(entry 102, position 3\): position 3 follows 1/),
    });
  });

  it('finds a normalised event that no longer matches its raw payload', () => {
    const result = checkEvidenceBundle(
      forged((b) => (b.events[0]['zone'] = 'south-gate')),
      TRUST,
    );
    expect(result).toEqual({
      ok: false,
      fault: expect.stringMatching(/^events\[0\] .*does not match its raw payload/),
    });
  });

  it('finds a wrong bundle hash', () => {
    const bundle = aBundle();
    bundle.bundleHash = '0'.repeat(64);
    expect(checkEvidenceBundle(bundle, TRUST)).toEqual({ ok: false, fault: expect.stringMatching(/^bundleHash: /) });
  });
});
