import { Injectable } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { ChainCheckpoints } from 'src/audit/chain-checkpoints';
import type { ChainReport } from 'src/audit/chain-report';
import {
  CANONICAL_FORM,
  EVIDENCE_FORMAT,
  sealBundle,
  timelineProof,
  type EvidenceBundle,
  type UnsealedBundle,
} from 'src/audit/evidence-bundle';
import { EvidenceKeyStore } from 'src/audit/evidence-keys';
import { incidentChain } from 'src/audit/evidence-signing';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { Db, type Queryable } from 'src/database/db';
import { EVENT_COLUMNS, eventView, type EventRow } from 'src/events/event-view';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { exportableIncidentView, toIncident, type IncidentRow } from './incident.repository';
import { missingIncident } from './retired-incidents';
import { timelinePage, verifyTimeline } from './timeline-chain';

/** An incident's timeline is read whole into a bundle; the chain itself has no length limit. */
const BUNDLE_TIMELINE_PAGE = 5000;

/** GET /incidents/{id}/verify and /evidence: the incident's hash chain, checked and packed. */
@Injectable()
export class IncidentEvidenceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly keys: EvidenceKeyStore,
    private readonly checkpoints: ChainCheckpoints,
  ) {}

  async verify(principal: Principal, incidentId: string): Promise<ChainReport> {
    await this.visibleIncident(this.db.pool, principal, incidentId);
    const checkpoint = await this.checkpoints.latest(this.db.pool, incidentChain(incidentId));
    return verifyTimeline(this.db.pool, incidentId, checkpoint);
  }

  /**
   * The bundle, read in one snapshot so incident, events and timeline agree, then signed with
   * the evidence key together with a checkpoint of the timeline's head (written now, with the
   * same key); its making is recorded in the audit log with the chain head and bundle hash,
   * which anchors both in the global chain.
   */
  async evidence(principal: Principal, incidentId: string, ip: string | undefined): Promise<EvidenceBundle> {
    const signer = await this.keys.signer();
    const unsigned = await this.db.transaction(async (tx): Promise<Omit<UnsealedBundle, 'checkpoint'>> => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const incident = await this.visibleIncident(tx, principal, incidentId);
      const { rows: events } = await tx.query<EventRow & { topic: string; raw_payload: string }>(
        `SELECT ${EVENT_COLUMNS}, e.topic, e.raw_payload FROM incident_events l JOIN events e ON e.id = l.event_id
          WHERE l.incident_id = $1 ORDER BY e.occurred_at, e.id`,
        [incidentId],
      );
      const timeline = [];
      for (let after = 0; ;) {
        const page = await timelinePage(tx, incidentId, after, BUNDLE_TIMELINE_PAGE);
        timeline.push(...page);
        if (page.length < BUNDLE_TIMELINE_PAGE) break;
        after = page[page.length - 1].seq;
      }
      return {
        format: EVIDENCE_FORMAT,
        generatedAt: this.clock.now().toISOString(),
        generatedBy: principal.username,
        canonicalForm: CANONICAL_FORM,
        incident: exportableIncidentView(incident),
        events: events.map((e) => ({ ...eventView(e), topic: e.topic, rawPayload: e.raw_payload })),
        timeline,
        chainProof: timelineProof(timeline),
      };
    });
    const proof = unsigned.chainProof;
    const checkpoint = await this.checkpoints.write(incidentChain(incidentId), proof.entries, proof.headHash, signer);
    const bundle = sealBundle({ ...unsigned, checkpoint }, signer);
    await this.audit.record({
      actor: principal,
      action: 'evidence.exported',
      target: incidentId,
      details: {
        bundleHash: bundle.bundleHash,
        timelineEntries: bundle.chainProof.entries,
        headHash: bundle.chainProof.headHash,
        intact: bundle.chainProof.intact,
        keyId: bundle.signing.keyId,
      },
      ip,
    });
    return bundle;
  }

  /** Another site's incident is reported as missing, as GET /incidents/{id} does. */
  private async visibleIncident(db: Queryable, principal: Principal, incidentId: string) {
    const { rows } = await db.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [incidentId]);
    if (!rows[0]) throw await missingIncident(db, principal, incidentId);
    if (!canSeeSite(principal, rows[0].site_id)) {
      throw new ApplicationError('incident.not-found', `Incident ${incidentId} not found`);
    }
    return toIncident(rows[0]);
  }
}
