import { z } from 'zod';
import { LegalHoldLiftedSchema, LegalHoldRequestSchema, LegalHoldSchema } from './legal-hold.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error, 404: error };
const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } },
});
const body = { content: { 'application/json': { schema: z.toJSONSchema(LegalHoldRequestSchema, { io: 'input', unrepresentable: 'any' }) } } };
const incidentId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** OpenAPI paths of legal holds (spread into the document in src/platform/openapi.ts). */
export function legalHoldPaths() {
  return {
    '/incidents/{id}/legal-hold': {
      put: {
        summary:
          'Put the incident under legal hold (leads and admins), with a reason: it, its events and its timeline are kept whatever retention says; audited. Setting it again replaces the reason',
        security: bearer,
        parameters: [incidentId],
        requestBody: { required: true, ...body },
        responses: { 200: json('The legal hold', LegalHoldSchema), ...errors },
      },
      delete: {
        summary: 'Lift the legal hold (leads and admins), with a reason (JSON body); audited. Lifting a hold not set is a 404',
        security: bearer,
        parameters: [incidentId],
        requestBody: { required: true, ...body },
        responses: { 200: json('The hold is lifted', LegalHoldLiftedSchema), ...errors },
      },
    },
  };
}
