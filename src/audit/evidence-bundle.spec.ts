import { CHAIN_GENESIS, timelineCanonical } from 'src/domain/audit/canonical-json';
import {
  CANONICAL_FORM,
  EVIDENCE_FORMAT,
  checkEvidenceBundle,
  sealBundle,
  timelineProof,
  type EvidenceBundle,
  type EvidenceTimelineEntry,
} from './evidence-bundle';
import { sha256Hex } from './hash-chain';

const INCIDENT = '7b6f7a5e-2b7e-4a53-9a55-0e2e5f8f2a11';

function chain(entries: { at: string; actor: string; action: string; details: object }[]): EvidenceTimelineEntry[] {
  let prevHash = CHAIN_GENESIS;
  return entries.map((e, i) => {
    const link = { incidentId: INCIDENT, seq: i + 1, ...e, prevHash };
    const hash = sha256Hex(timelineCanonical(link));
    prevHash = hash;
    return { id: 100 + i, ...link, hash };
  });
}

function aBundle(): EvidenceBundle {
  const payload = {
    eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
    sensorId: 'fence-north-4',
    kind: 'theft',
    occurredAt: '2026-11-29T03:12:44.120+01:00',
    severity: 'high',
    zone: 'north-fence',
    theft: { category: 'perimeter_breach', description: 'Fence cut' },
  };
  const timeline = chain([
    { at: '2026-11-29T02:12:45.000Z', actor: 'system', action: 'opened', details: { eventCount: 1, ruleIds: ['perimeter'] } },
    { at: '2026-11-29T02:15:00.000Z', actor: 'lead-1', action: 'acknowledged', details: {} },
    { at: '2026-11-29T02:16:00.000Z', actor: 'lead-1', action: 'noted', details: { text: 'Guards sent' } },
  ]);
  return sealBundle({
    format: EVIDENCE_FORMAT,
    generatedAt: '2026-11-29T04:00:00.000Z',
    generatedBy: 'lead-1',
    canonicalForm: CANONICAL_FORM,
    incident: { id: INCIDENT, siteId: 'tarkwa-2', title: 'Perimeter breach', eventCount: 1 },
    events: [
      {
        eventId: payload.eventId,
        siteId: 'tarkwa-2',
        gatewayId: 'gw-1',
        sensorId: payload.sensorId,
        kind: 'theft',
        occurredAt: '2026-11-29T02:12:44.120Z',
        severity: 'high',
        zone: 'north-fence',
        theft: payload.theft,
        receivedAt: '2026-11-29T02:12:44.500Z',
        source: 'canonical',
        late: false,
        incidentIds: [INCIDENT],
        topic: 'oreguard/v1/sites/tarkwa-2/gateways/gw-1/events',
        rawPayload: JSON.stringify(payload),
      },
    ],
    timeline,
    chainProof: timelineProof(timeline),
  });
}

/** A bundle altered by `change`, with its bundle hash recomputed as a forger would. */
function forged(change: (b: EvidenceBundle) => void): EvidenceBundle {
  const bundle = structuredClone(aBundle());
  change(bundle);
  return sealBundle(bundle);
}

describe('checking an evidence bundle offline', () => {
  it('accepts the bundle as made', () => {
    expect(checkEvidenceBundle(aBundle())).toEqual({
      ok: true,
      timelineEntries: 3,
      headHash: aBundle().timeline[2].hash,
      eventsChecked: 1,
      eventsNotDerivable: 0,
    });
  });

  it('finds a note rewritten in the timeline, naming the entry', () => {
    const result = checkEvidenceBundle(forged((b) => ((b.timeline[2].details as { text: string }).text = 'Nothing seen')));
    expect(result).toEqual({ ok: false, fault: expect.stringMatching(/^timeline\[2\] \(entry 102, position 3\): its content does not match its hash/) });
  });

  it('finds an entry removed from the middle of the timeline', () => {
    const result = checkEvidenceBundle(forged((b) => b.timeline.splice(1, 1)));
    expect(result).toEqual({ ok: false, fault: expect.stringMatching(/^timeline\[1\] \(entry 102, position 3\): position 3 follows 1/) });
  });

  it('finds an entry re-hashed after a change, by the broken link to the next one', () => {
    const result = checkEvidenceBundle(
      forged((b) => {
        const entry = b.timeline[1];
        entry.actor = 'someone-else';
        entry.hash = sha256Hex(timelineCanonical(entry));
      }),
    );
    expect(result).toEqual({ ok: false, fault: expect.stringMatching(/^timeline\[2\] .*prevHash is not the hash of the entry before it \(101\)/) });
  });

  it('finds a normalised event that no longer matches its raw payload', () => {
    const result = checkEvidenceBundle(forged((b) => (b.events[0]['zone'] = 'south-gate')));
    expect(result).toEqual({ ok: false, fault: expect.stringMatching(/^events\[0\] .*does not match its raw payload/) });
  });

  it('finds any change at all through the bundle hash', () => {
    const bundle = aBundle();
    bundle.generatedBy = 'someone-else';
    expect(checkEvidenceBundle(bundle)).toEqual({ ok: false, fault: expect.stringMatching(/^bundleHash: /) });
  });

  it('finds a chain proof that does not state the chain', () => {
    const result = checkEvidenceBundle(forged((b) => (b.chainProof.entries = 2)));
    expect(result).toEqual({ ok: false, fault: expect.stringMatching(/^chainProof: states 2 entries/) });
  });
});
