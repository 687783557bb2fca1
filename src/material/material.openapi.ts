import { z } from 'zod';
import { MaterialFindingPageSchema, MaterialFindingQuerySchema, MaterialRecordPageSchema, MaterialRecordQuerySchema } from './material.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } },
});

function query(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, object>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

/** OpenAPI paths of material reconciliation (spread into the document in src/platform/openapi.ts). */
export function materialPaths() {
  return {
    '/material/records': {
      get: {
        summary:
          'Material records as gateways published them on their material topic (leads and admins): weighing tickets, instrument events, gate passages, manifests, stockpile surveys; filters siteId, gatewayId, type, from and to (the record time), newest first',
        security: bearer,
        parameters: query(MaterialRecordQuerySchema),
        responses: { 200: json('A page of material records', MaterialRecordPageSchema), ...errors },
      },
    },
    '/material/findings': {
      get: {
        summary:
          'Discrepancies material reconciliation found (leads and admins), each with its numbers, the tolerance that made it one (derived from the scales, never a flat percentage) and the material_discrepancy theft event it raised; filters siteId, rule, from and to, newest first',
        security: bearer,
        parameters: query(MaterialFindingQuerySchema),
        responses: { 200: json('A page of findings', MaterialFindingPageSchema), ...errors },
      },
    },
  };
}
