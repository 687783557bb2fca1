import { Injectable } from '@nestjs/common';
import { canSeeSite, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import type { Incident } from 'src/domain/incidents/incident';
import { TRANSITION_ERROR_MESSAGES, type TransitionResult } from 'src/domain/incidents/transitions';
import { appendLiveMessages } from 'src/live/live-log';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { incidentView, incidentWrites, type IncidentView } from './incident.repository';
import { missingIncident } from './retired-incidents';

/**
 * Runs a lifecycle action: locks the incident, applies the domain transition, and commits the
 * change, its timeline entry (who and when) and its live message together.
 */
@Injectable()
export class IncidentActionsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async apply(
    principal: Principal,
    incidentId: string,
    transition: (incident: Incident, at: Date) => TransitionResult,
  ): Promise<IncidentView> {
    return this.db.transaction(async (tx) => {
      const incident = await incidentWrites.lock(tx, incidentId);
      if (!incident) throw await missingIncident(tx, principal, incidentId);
      if (!canSeeSite(principal, incident.siteId)) {
        throw new ApplicationError('incident.not-found', `Incident ${incidentId} not found`);
      }
      const at = this.clock.now();
      const result = transition(incident, at);
      if (!result.ok) {
        throw new ApplicationError(
          'incident.invalid-transition',
          `Cannot do that: ${TRANSITION_ERROR_MESSAGES[result.error]}`,
          {
            status: incident.status,
          },
        );
      }
      await incidentWrites.updateLifecycle(tx, result.incident);
      await incidentWrites.addTimeline(tx, [
        { incidentId, at, actor: principal.username, action: result.entry.action, details: result.entry.details },
      ]);
      const view = incidentView(result.incident);
      await appendLiveMessages(tx, [{ type: result.change, incident: view }]);
      return view;
    });
  }
}
