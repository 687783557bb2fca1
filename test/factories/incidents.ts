import { randomUUID } from 'node:crypto';
import type { Incident } from '../../src/domain/incidents/incident';

/** An open theft incident of one event at `at`, as folding opens it; override any field. */
export function anIncident(at: Date, overrides: Partial<Incident> = {}): Incident {
  return {
    id: randomUUID(),
    siteId: 'kolwezi-1',
    groupKey: 'theft',
    title: 'Theft activity at kolwezi-1',
    severity: 'medium',
    status: 'open',
    kinds: ['theft'],
    ruleIds: [],
    zones: ['north-fence'],
    eventCount: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    openedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assignee: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: at,
    ...overrides,
  };
}
