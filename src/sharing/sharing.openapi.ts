import { z } from 'zod';
import { CreatePartnerSchema, UpdatePartnerSchema } from './partners.http';
import { HeldQuerySchema } from './sharing.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });

function query(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, object>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

const uuidParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });

/**
 * OpenAPI paths of partner accounts and releases (spread into the document in src/platform/openapi.ts).
 * The partner surfaces themselves (/taxii2/, /misp/) are outside /api/v1: the TAXII 2.1
 * specification and the MISP feed format describe them.
 */
export function sharingPaths() {
  return {
    '/partners': {
      get: { summary: 'Partner accounts (admins)', security: bearer, responses: { 200: ok('Partners'), ...errors } },
      post: {
        summary:
          'Create a partner account (admins): name (its HTTP Basic user name) and its allow-list projection (types, properties per type, maxTlp, locationFloorM). The secret and bearer token are in this answer only',
        security: bearer,
        requestBody: body(CreatePartnerSchema),
        responses: { 201: ok('The partner, with secret and token'), 409: error, ...errors },
      },
    },
    '/partners/{id}': {
      patch: {
        summary: 'Change a partner (admins): projection, disabled (its credentials stop at once), rotateSecret (the new secret and token are in the answer)',
        security: bearer,
        parameters: [uuidParam('id')],
        requestBody: body(UpdatePartnerSchema),
        responses: { 200: ok('The partner'), 404: error, ...errors },
      },
    },
    '/sharing/held': {
      get: {
        summary: 'Shared objects above TLP:GREEN waiting for a release (leads), optionally of one incident',
        security: bearer,
        parameters: query(HeldQuerySchema),
        responses: { 200: ok('Held objects'), ...errors },
      },
    },
    '/sharing/incidents/{id}/release': {
      post: {
        summary: "Release an incident's held objects to partners cleared for their marking (leads; audited as sharing.released)",
        security: bearer,
        parameters: [uuidParam('id')],
        responses: { 201: ok('How many objects were released'), 404: error, ...errors },
      },
    },
  };
}

