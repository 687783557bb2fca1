import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { decideEscalation, type EscalationDecision } from 'src/domain/incidents/escalation';
import type { Incident } from 'src/domain/incidents/incident';
import { incidentView, incidentWrites } from 'src/incidents/incident.repository';
import { appendLiveMessages } from 'src/live/live-log';
import { Clock } from 'src/platform/clock';
import { drainBatches } from 'src/platform/periodic-task';
import { postureEscalationLimits } from 'src/domain/posture/apply-profile';
import type { PostureLevel } from 'src/domain/posture/posture-level';
import { postureReads } from 'src/posture/posture.repository';
import { escalationWrites } from './escalation.repository';

/** Incidents escalated in one transaction. */
const BATCH = 200;

type Escalated = {
  incident: Incident;
  decision: Extract<EscalationDecision, { escalate: true }>;
  posture: PostureLevel;
};

/**
 * Escalates every open incident left unacknowledged past its severity's limit. Each batch is
 * one transaction: the due incidents are locked (skipping those another transaction holds),
 * and their new severity, their timeline entries (actor `system`, with the reason) and their
 * `escalated` live messages commit together, so any number of instances may run this at once
 * and each escalation happens, and is announced, exactly once.
 */
@Injectable()
export class EscalateIncidentsUseCase {
  private readonly logger = new Logger(EscalateIncidentsUseCase.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns how many incidents it escalated. */
  async execute(): Promise<number> {
    return drainBatches(
      BATCH,
      () => this.batch(),
      (escalated) => {
        for (const { incident, decision } of escalated) {
          this.logger.log({
            msg: `Escalated incident from ${decision.from} to ${decision.to} (${decision.reason})`,
            incidentId: incident.id,
            siteId: incident.siteId,
          });
        }
      },
    );
  }

  private batch(): Promise<Escalated[]> {
    const limits = this.config.escalation.limits;
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      // Escalation follows the posture now (wall clock): a raised site's profile shortens its limits.
      const raised = await postureReads.raisedNow(tx, now);
      const bySite = new Map(
        [...raised].map(([site, level]) => [
          site,
          postureEscalationLimits(limits, this.config.posture.profiles[level]),
        ]),
      );
      const due = await escalationWrites.lockDue(tx, { default: limits, bySite }, now, BATCH);
      const escalated: Escalated[] = [];
      for (const { incident, reopenedAt, escalatedAt } of due) {
        const posture = raised.get(incident.siteId) ?? 'normal';
        const decision = decideEscalation(
          { ...incident, reopenedAt, escalatedAt },
          bySite.get(incident.siteId) ?? limits,
          now,
        );
        if (decision.escalate) {
          const reason = posture === 'normal' ? decision.reason : `${decision.reason} (posture ${posture})`;
          escalated.push({
            incident: { ...incident, severity: decision.to, updatedAt: now },
            decision: { ...decision, reason },
            posture,
          });
        }
      }
      if (escalated.length === 0) return [];
      await escalationWrites.markEscalated(
        tx,
        escalated.map((e) => e.incident),
        now,
      );
      await incidentWrites.addTimeline(
        tx,
        escalated.map(({ incident, decision, posture }) => ({
          incidentId: incident.id,
          at: now,
          actor: 'system',
          action: 'escalated',
          details: {
            from: decision.from,
            to: decision.to,
            reason: decision.reason,
            limitMs: decision.limitMs,
            ...(posture !== 'normal' ? { posture } : {}),
            ...(decision.renotify ? { renotified: true } : {}),
          },
        })),
      );
      await appendLiveMessages(
        tx,
        escalated.map(({ incident }) => ({ type: 'escalated', incident: incidentView(incident) })),
      );
      return escalated;
    });
  }
}
