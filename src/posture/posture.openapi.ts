import { z } from 'zod';
import {
  FloorRequestSchema,
  PostureAckRequestSchema,
  PostureFloorViewSchema,
  PostureHistoryQuerySchema,
  PostureHistoryViewSchema,
  PostureLoweringViewSchema,
  PostureRequestSchema,
  PostureViewSchema,
} from './posture.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });
const ok = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } });
const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema: jsonSchema(schema, 'input') } } });

function query(schema: z.ZodType) {
  const json = jsonSchema(schema, 'input') as { properties: Record<string, object>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

const siteId = { name: 'siteId', in: 'path', required: true, schema: { type: 'string' } };

/** OpenAPI paths of site threat posture (spread into the document in src/platform/openapi.ts). */
export function posturePaths() {
  return {
    '/sites/{siteId}/posture': {
      get: {
        summary: "The site's threat posture now: level in force (the higher of the site's own and the floor), the change behind it, the floor, a lowering awaiting approval, acknowledgements",
        security: bearer,
        parameters: [siteId],
        responses: { 200: ok('The posture', PostureViewSchema), 404: error, ...errors },
      },
      put: {
        summary:
          'Set the posture (leads): level, reason, source (scheme and value: fpcon, uk-response, ntas, isps, oreguard) and expiresAt (required above normal). A raise applies at once (200); a lowering waits for a second lead (202, the lowering); below the floor: 409',
        security: bearer,
        parameters: [siteId],
        requestBody: body(PostureRequestSchema),
        responses: { 200: ok('The posture', PostureViewSchema), 202: ok('The lowering, awaiting approval', PostureLoweringViewSchema), 404: error, 409: error, ...errors },
      },
    },
    '/sites/{siteId}/posture/history': {
      get: {
        summary: "The site's posture history as validity intervals, and the floors over it, overlapping [from, to) (all without bounds): what a backtest replays",
        security: bearer,
        parameters: [siteId, ...query(PostureHistoryQuerySchema)],
        responses: { 200: ok('The history', PostureHistoryViewSchema), 404: error, ...errors },
      },
    },
    '/sites/{siteId}/posture/acknowledge': {
      post: {
        summary: "Acknowledge a posture change (the site's operators); unacknowledged past POSTURE_ACK_WITHIN_MS, the leads are told",
        security: bearer,
        parameters: [siteId],
        requestBody: body(PostureAckRequestSchema),
        responses: { 201: ok('The posture', PostureViewSchema), 404: error, ...errors },
      },
    },
    '/sites/{siteId}/posture/lowerings/{loweringId}/approve': {
      post: {
        summary: 'Approve a waiting lowering (a lead other than the one who asked); it then applies',
        security: bearer,
        parameters: [siteId, { name: 'loweringId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: { 201: ok('The posture', PostureViewSchema), 404: error, 409: error, ...errors },
      },
    },
    '/posture-floors': {
      get: {
        summary: 'The posture floors in force (leads and admins)',
        security: bearer,
        responses: { 200: ok('The floors', z.object({ items: z.array(PostureFloorViewSchema) })), ...errors },
      },
    },
    '/posture-floors/{scope}': {
      put: {
        summary: "Set the floor (admins) of the whole company (scope `company`) or of a region (any other name, its sites in siteIds): no site's posture goes below it; normal lifts it",
        security: bearer,
        parameters: [{ name: 'scope', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: body(FloorRequestSchema),
        responses: { 200: ok('The floor', PostureFloorViewSchema), ...errors },
      },
    },
  };
}
