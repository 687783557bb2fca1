import { NoQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { errorResponse } from 'src/platform/error.http';
import { route } from 'src/platform/route-contract';
import { CreatePartnerSchema, PartnerCreatedSchema, PartnerViewSchema, UpdatePartnerSchema } from './partners.http';
import { HeldObjectsSchema, HeldQuerySchema, ReleaseResultSchema } from './sharing.http';
import { z } from 'zod';

const PARTNER_EXAMPLE = {
  id: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968',
  name: 'allied-mines-soc',
  projection: { types: ['indicator', 'sighting', 'uas'], properties: {}, maxTlp: 'amber', locationFloorM: 10000 },
  disabled: false,
  createdAt: '2026-12-01T09:00:00.000Z',
  createdBy: 'admin',
  updatedAt: '2026-12-01T09:00:00.000Z',
};
const CREDENTIALS_EXAMPLE = { secret: '<shown once>', token: '<shown once>' };
const INCIDENT_ID = '0d1f6c52-8a8e-4b7e-9f0e-3c2a1b4d5e6f';

/**
 * Partner accounts and releases. The partners' own surfaces, /taxii2/ and /misp/, are outside
 * /api/v1 and this document: the TAXII 2.1 specification and the MISP feed format describe them.
 */
export const sharingRoutes = {
  listPartners: route({
    method: 'get',
    path: '/partners',
    operationId: 'listPartners',
    summary: 'Partner accounts',
    tags: ['sharing'],
    auth: 'bearer',
    roles: ['admin'],
    query: NoQuerySchema,
    responses: {
      200: {
        description: 'Partners',
        schema: z.object({ items: z.array(PartnerViewSchema) }),
        example: { items: [PARTNER_EXAMPLE] },
      },
    },
  }),
  createPartner: route({
    method: 'post',
    path: '/partners',
    operationId: 'createPartner',
    summary: 'Create a partner account: its name (the HTTP Basic user name) and its allow-list projection',
    description:
      'types, properties per type, maxTlp, locationFloorM. The secret and the bearer token are in this answer only. Audited.',
    tags: ['sharing'],
    auth: 'bearer',
    roles: ['admin'],
    body: CreatePartnerSchema,
    responses: {
      201: {
        description: 'The partner, with its credentials',
        schema: PartnerCreatedSchema,
        example: { ...PARTNER_EXAMPLE, ...CREDENTIALS_EXAMPLE },
      },
      409: errorResponse('A partner of that name exists'),
    },
  }),
  updatePartner: route({
    method: 'patch',
    path: '/partners/{id}',
    operationId: 'updatePartner',
    summary:
      'Change a partner: projection, disabled (its credentials stop at once), rotateSecret (the new credentials are in the answer)',
    tags: ['sharing'],
    auth: 'bearer',
    roles: ['admin'],
    params: { id: UuidParamSchema },
    body: UpdatePartnerSchema,
    responses: {
      200: {
        description: 'The partner (with new credentials after rotateSecret)',
        schema: PartnerViewSchema.extend({ secret: z.string().optional(), token: z.string().optional() }),
        example: { ...PARTNER_EXAMPLE, disabled: true, updatedAt: '2026-12-03T10:00:00.000Z' },
      },
      404: errorResponse('No such partner'),
    },
  }),
  held: route({
    method: 'get',
    path: '/sharing/held',
    operationId: 'listHeldSharedObjects',
    summary: 'Shared objects above TLP:GREEN waiting for a release, optionally of one incident',
    tags: ['sharing'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: HeldQuerySchema,
    responses: {
      200: {
        description: 'Held objects',
        schema: HeldObjectsSchema,
        example: {
          items: [
            {
              stixId: 'sighting--5d1e2f3a-4b5c-5d6e-8f7a-9b0c1d2e3f4a',
              type: 'sighting',
              tlp: 'amber',
              incidentId: INCIDENT_ID,
              version: null,
              heldSince: '2026-12-05T02:20:00.000Z',
            },
          ],
        },
      },
    },
  }),
  release: route({
    method: 'post',
    path: '/sharing/incidents/{id}/release',
    operationId: 'releaseSharedObjects',
    summary: "Release an incident's held objects to the partners cleared for their marking",
    description: 'Audited as sharing.released. Later versions of a released object go out without a new release.',
    tags: ['sharing'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { id: UuidParamSchema },
    responses: {
      201: {
        description: 'How many objects went out',
        schema: ReleaseResultSchema,
        example: { incidentId: INCIDENT_ID, released: 3 },
      },
      404: errorResponse('No such incident'),
    },
  }),
};
