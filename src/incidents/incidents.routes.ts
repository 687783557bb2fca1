import { CHAIN_REPORT_EXAMPLE, ChainReportSchema } from 'src/audit/audit.http';
import { EvidenceBundleSchema } from 'src/audit/evidence-bundle';
import { errorResponse } from 'src/platform/error.http';
import { pageOf } from 'src/platform/page.http';
import {
  AssignSchema,
  IncidentExportQuerySchema,
  IncidentQuerySchema,
  NoBodySchema,
  NoQuerySchema,
  NoteSchema,
  ResolveSchema,
  StatsQuerySchema,
  UuidParamSchema,
} from 'src/platform/query.schemas';
import { route, type RouteContract } from 'src/platform/route-contract';
import {
  INCIDENT_DETAIL_EXAMPLE,
  INCIDENT_EXAMPLE,
  IncidentDetailSchema,
  IncidentSchema,
  StatsSchema,
} from './incidents.http';

const OPERATOR_SCOPE = 'operators: their own sites';
const notFound = errorResponse('No such incident');
/** An incident retention retired (code incident.gone) (resolved longer ago than RETENTION_RESOLVED_INCIDENTS_DAYS): details incidentId, resolvedAt, retiredAt. */
const gone = errorResponse(
  'The incident was resolved, archived and retired by retention (details: incidentId, resolvedAt, retiredAt)',
);
const params = { id: UuidParamSchema };

/** POST /incidents/{id}/<action>: each writes a timeline entry naming who and when, and pushes a live message. */
function lifecycleAction(
  action: string,
  operationId: string,
  summary: string,
  body: RouteContract['body'],
  after: object,
) {
  return route({
    method: 'post',
    path: `/incidents/{id}/${action}`,
    operationId,
    summary,
    description: 'Writes a timeline entry naming who and when, and pushes a live message.',
    tags: ['incidents'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    params,
    body,
    responses: {
      200: {
        description: 'The incident after the action',
        schema: IncidentSchema,
        example: { ...INCIDENT_EXAMPLE, ...after },
      },
      404: notFound,
      409: errorResponse('Not a legal change from the incident’s status (e.g. acknowledging a resolved incident)'),
      410: gone,
    },
  });
}

const acknowledged = { status: 'acknowledged', acknowledgedAt: '2026-11-29T02:16:00.000Z', acknowledgedBy: 'amani' };

export const incidentRoutes = {
  list: route({
    method: 'get',
    path: '/incidents',
    operationId: 'listIncidents',
    summary: 'Incidents, newest first',
    description:
      'Filters: site, status, minimum severity, kind, zone, ruleId, resolution, assignee, title text (q), activity window ' +
      '(from/to: incidents active at any time in it), and lifecycle time ranges openedFrom/openedTo, acknowledgedFrom/acknowledgedTo, ' +
      'resolvedFrom/resolvedTo (inclusive).',
    tags: ['incidents'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    query: IncidentQuerySchema,
    responses: {
      200: {
        description: 'A page of incidents',
        schema: pageOf(IncidentSchema),
        example: { items: [INCIDENT_EXAMPLE], nextCursor: null },
      },
      410: errorResponse(
        'The cursor points at an incident retention has retired (code cursor.gone; details field, cursorAt, retiredAt): list again from the start',
      ),
    },
  }),
  export: route({
    method: 'get',
    path: '/incidents/export',
    operationId: 'exportIncidents',
    summary: 'Every incident the filters select, streamed as CSV or NDJSON (no page limit)',
    description: 'Recorded in the audit log (incidents.exported).',
    tags: ['incidents'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    query: IncidentExportQuerySchema,
    responses: {
      200: {
        description: 'The export, one incident a line (CSV with a header line)',
        content: ['text/csv', 'application/x-ndjson'],
      },
    },
  }),
  get: route({
    method: 'get',
    path: '/incidents/{id}',
    operationId: 'getIncident',
    summary: 'One incident with its events and timeline; a drone incident also has its track',
    tags: ['incidents'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    params,
    query: NoQuerySchema,
    responses: {
      200: { description: 'The incident', schema: IncidentDetailSchema, example: INCIDENT_DETAIL_EXAMPLE },
      404: notFound,
      410: gone,
    },
  }),
  verify: route({
    method: 'get',
    path: '/incidents/{id}/verify',
    operationId: 'verifyIncidentChain',
    summary: "Recompute the incident's timeline hash chain and hold it to its latest signed checkpoint",
    description: 'Entries deleted from the head show as missing (firstBroken.id "checkpoint:<id>").',
    tags: ['incidents', 'evidence'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    params,
    responses: {
      200: { description: 'The chain check', schema: ChainReportSchema, example: CHAIN_REPORT_EXAMPLE },
      404: notFound,
      410: gone,
    },
  }),
  evidence: route({
    method: 'get',
    path: '/incidents/{id}/evidence',
    operationId: 'getIncidentEvidence',
    summary: 'The signed evidence bundle of the incident (format oreguard-evidence/2)',
    description:
      'Incident, events (normalised, raw payload, topic, receivedAt), timeline with hashes (each entry that adds events binds them ' +
      'by the SHA-256 of their raw payload, details.events), canonical form, chain proof, a signed checkpoint of the timeline head ' +
      '(written now), the signing key (signing: {algorithm, keyId, publicKey}), bundle hash and Ed25519 signature; check it offline ' +
      'with `npm run evidence:verify -- bundle.json --key <public key from /evidence/keys>` (or `--fingerprint <keyId>`). ' +
      'Recorded in the audit log.',
    tags: ['incidents', 'evidence'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    params,
    responses: {
      200: { description: 'The bundle', schema: EvidenceBundleSchema.meta({ id: 'EvidenceBundle' }) },
      404: notFound,
      410: gone,
    },
  }),
  acknowledge: lifecycleAction(
    'acknowledge',
    'acknowledgeIncident',
    'Acknowledge an open incident',
    NoBodySchema,
    acknowledged,
  ),
  assign: lifecycleAction('assign', 'assignIncident', 'Assign the incident to a user', AssignSchema, {
    assignee: '7c0e2a5b-3f1d-4e8a-9b6c-2d4f6a8b0c1e',
  }),
  note: lifecycleAction('notes', 'addIncidentNote', 'Add a note to the timeline', NoteSchema, {}),
  resolve: lifecycleAction(
    'resolve',
    'resolveIncident',
    'Resolve the incident (true_positive, false_positive or duplicate)',
    ResolveSchema,
    {
      ...acknowledged,
      status: 'resolved',
      resolvedAt: '2026-11-29T02:40:00.000Z',
      resolution: 'true_positive',
    },
  ),
  reopen: lifecycleAction('reopen', 'reopenIncident', 'Reopen a resolved incident', NoBodySchema, {}),
};

export const statsRoutes = {
  get: route({
    method: 'get',
    path: '/stats',
    operationId: 'getStats',
    summary:
      'Counts of the incidents opened in the window, by site, kind, severity and day; mean times to acknowledge and resolve (s)',
    description: 'Incidents opened in the window (from/to), narrowed by the same filters as GET /incidents.',
    tags: ['incidents'],
    auth: 'bearer',
    scope: OPERATOR_SCOPE,
    query: StatsQuerySchema,
    responses: {
      200: {
        description: 'Statistics',
        schema: StatsSchema,
        example: {
          total: 12,
          bySite: { 'kolwezi-1': 12 },
          byKind: { drone: 7, theft: 5 },
          bySeverity: { high: 9, critical: 3 },
          byDay: { '2026-11-28': 4, '2026-11-29': 8 },
          meanTimeToAcknowledgeS: 212.5,
          meanTimeToResolveS: 3840,
        },
      },
    },
  }),
};
