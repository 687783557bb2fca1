import { errorResponse } from 'src/platform/error.http';
import { UuidParamSchema } from 'src/platform/query.schemas';
import { route } from 'src/platform/route-contract';
import { LegalHoldLiftedSchema, LegalHoldRequestSchema, LegalHoldSchema } from './legal-hold.http';

/** A retired incident (code incident.gone): retention removed it, so it can no longer be held. */
const RETIRED = errorResponse(
  'The incident was resolved, archived and retired by retention (details: incidentId, resolvedAt, retiredAt)',
);

const HOLD_EXAMPLE = {
  incidentId: '0d1f6c52-8a8e-4b7e-9f0e-3c2a1b4d5e6f',
  reason: 'Police case 2026/1182: keep everything',
  setBy: 'lead-kim',
  setAt: '2026-11-30T08:00:00.000Z',
};

export const legalHoldRoutes = {
  set: route({
    method: 'put',
    path: '/incidents/{id}/legal-hold',
    operationId: 'setLegalHold',
    summary:
      'Put the incident under legal hold, with a reason: it, its events and its timeline are kept whatever retention says',
    description: 'Audited. Setting it again replaces the reason.',
    tags: ['incidents'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { id: UuidParamSchema },
    body: LegalHoldRequestSchema,
    responses: {
      200: { description: 'The legal hold', schema: LegalHoldSchema, example: HOLD_EXAMPLE },
      404: errorResponse('No such incident'),
      410: RETIRED,
    },
  }),
  lift: route({
    method: 'delete',
    path: '/incidents/{id}/legal-hold',
    operationId: 'liftLegalHold',
    summary: 'Lift the legal hold, with a reason (JSON body)',
    description: 'Audited. Lifting a hold that is not set is a 404.',
    tags: ['incidents'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { id: UuidParamSchema },
    body: LegalHoldRequestSchema,
    responses: {
      200: {
        description: 'The hold is lifted',
        schema: LegalHoldLiftedSchema,
        example: { incidentId: HOLD_EXAMPLE.incidentId, legalHold: null },
      },
      404: errorResponse('No such incident, or no hold set'),
      410: RETIRED,
    },
  }),
};
