import type { Incident, IncidentChangeType, Resolution } from './incident';

/** What a lifecycle action did: the incident after it, its live message type, its timeline entry. */
export type TransitionResult =
  | {
      ok: true;
      incident: Incident;
      change: IncidentChangeType;
      entry: { action: string; details: Record<string, unknown> };
    }
  | { ok: false; error: TransitionError };

export type TransitionError = 'already-acknowledged' | 'already-resolved' | 'not-resolved' | 'already-assigned';

export const TRANSITION_ERROR_MESSAGES: Record<TransitionError, string> = {
  'already-acknowledged': 'the incident is already acknowledged',
  'already-resolved': 'the incident is resolved; reopen it first',
  'not-resolved': 'only a resolved incident can be reopened',
  'already-assigned': 'the incident is already assigned to that user',
};

/**
 * The incident lifecycle: open → acknowledged → resolved, and reopen back to open.
 * Notes may be added in any state; assignment in any state but resolved.
 */
export const transitions = {
  acknowledge(incident: Incident, by: string, at: Date): TransitionResult {
    if (incident.status === 'resolved') return { ok: false, error: 'already-resolved' };
    if (incident.status === 'acknowledged') return { ok: false, error: 'already-acknowledged' };
    return done(
      { ...incident, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by, updatedAt: at },
      'acknowledged',
      {},
    );
  },

  assign(incident: Incident, assignee: string, at: Date): TransitionResult {
    if (incident.status === 'resolved') return { ok: false, error: 'already-resolved' };
    if (incident.assignee === assignee) return { ok: false, error: 'already-assigned' };
    return done({ ...incident, assignee, updatedAt: at }, 'assigned', { assignee, previous: incident.assignee });
  },

  note(incident: Incident, text: string, at: Date): TransitionResult {
    return done({ ...incident, updatedAt: at }, 'noted', { text });
  },

  resolve(incident: Incident, resolution: Resolution, note: string | undefined, at: Date): TransitionResult {
    if (incident.status === 'resolved') return { ok: false, error: 'already-resolved' };
    return done({ ...incident, status: 'resolved', resolvedAt: at, resolution, updatedAt: at }, 'resolved', {
      resolution,
      ...(note ? { note } : {}),
    });
  },

  reopen(incident: Incident, at: Date): TransitionResult {
    if (incident.status !== 'resolved') return { ok: false, error: 'not-resolved' };
    return done(
      {
        ...incident,
        status: 'open',
        resolvedAt: null,
        resolution: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        updatedAt: at,
      },
      'reopened',
      { previousResolution: incident.resolution },
    );
  },
};

function done(incident: Incident, change: IncidentChangeType, details: Record<string, unknown>): TransitionResult {
  return { ok: true, incident, change, entry: { action: change, details } };
}
