import { SilenceSpecSchema } from 'src/domain/silences/silence';
import { EVENT_EXAMPLE, EventSchema } from 'src/events/events.http';
import { errorResponse } from 'src/platform/error.http';
import { listOf, pageOf, UtcTimeSchema } from 'src/platform/page.http';
import { UuidParamSchema } from 'src/platform/query.schemas';
import { route } from 'src/platform/route-contract';
import {
  AuthorizedDroneQuerySchema,
  AuthorizedDroneSpecSchema,
  AuthorizedDroneViewSchema,
  DroneHeldQuerySchema,
  DroneSiteQuerySchema,
  HeldQuerySchema,
  SilenceQuerySchema,
  SilenceViewSchema,
  UasIdSchema,
} from './silences.http';

const SCOPE = 'operators: their own sites, read only';
const HeldEventSchema = EventSchema.extend({ heldAt: UtcTimeSchema }).meta({ id: 'HeldEvent' });
const HELD_EXAMPLE = {
  items: [{ ...EVENT_EXAMPLE, incidentIds: [], heldAt: '2026-11-29T02:12:44.480Z' }],
  nextCursor: null,
};
const SILENCE_EXAMPLE = {
  id: '2f6b8d0e-1a3c-4e5f-9a7b-8c9d0e1f2a3b',
  siteId: 'kolwezi-1',
  zone: 'crusher',
  sensorId: null,
  kind: 'theft',
  match: null,
  startsAt: '2026-11-29T06:00:00.000Z',
  endsAt: '2026-11-29T10:00:00.000Z',
  recurrence: null,
  reason: 'Fence maintenance at the crusher',
  createdBy: 'lead-kim',
  createdAt: '2026-11-29T05:50:00.000Z',
  expiredAt: null,
  expiredBy: null,
};
const DRONE_EXAMPLE = {
  id: '5a7c9e1b-3d5f-4a7b-8c9d-0e1f2a3b4c5d',
  siteId: 'kolwezi-1',
  uasId: '1596F3B2C4D5E6F7A8B9',
  label: 'Survey drone 2',
  createdBy: 'lead-kim',
  createdAt: '2026-11-01T09:00:00.000Z',
  expiredAt: null,
  expiredBy: null,
};

export const silenceRoutes = {
  list: route({
    method: 'get',
    path: '/silences',
    operationId: 'listSilences',
    summary: 'Silences, newest first',
    description: 'activeAt: those holding events back at that instant; includeExpired: also expired and ended ones.',
    tags: ['silences'],
    auth: 'bearer',
    scope: SCOPE,
    query: SilenceQuerySchema,
    responses: {
      200: {
        description: 'A page of silences',
        schema: pageOf(SilenceViewSchema),
        example: { items: [SILENCE_EXAMPLE], nextCursor: null },
      },
    },
  }),
  create: route({
    method: 'post',
    path: '/silences',
    operationId: 'createSilence',
    summary: 'Create a silence: matching events are stored and linked but open no incident and push nothing',
    description:
      "siteId, optional zone, sensorId, kind and match (field path → value or values), startsAt (default now) and endsAt, or a weekly recurrence on the site's clock; reason required.",
    tags: ['silences'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    body: SilenceSpecSchema,
    responses: { 201: { description: 'The silence', schema: SilenceViewSchema, example: SILENCE_EXAMPLE } },
  }),
  expire: route({
    method: 'delete',
    path: '/silences/{id}',
    operationId: 'expireSilence',
    summary: 'Expire a silence; it stays on record with what it held back',
    tags: ['silences'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { id: UuidParamSchema },
    responses: {
      200: {
        description: 'The expired silence',
        schema: SilenceViewSchema,
        example: { ...SILENCE_EXAMPLE, expiredAt: '2026-11-29T08:00:00.000Z', expiredBy: 'lead-kim' },
      },
      404: errorResponse('No such silence'),
    },
  }),
  held: route({
    method: 'get',
    path: '/silences/{id}/held',
    operationId: 'listSilenceHeldEvents',
    summary: 'The events the silence held back, newest (event time) first, each with heldAt',
    tags: ['silences'],
    auth: 'bearer',
    scope: SCOPE,
    params: { id: UuidParamSchema },
    query: HeldQuerySchema,
    responses: {
      200: { description: 'A page of events', schema: pageOf(HeldEventSchema), example: HELD_EXAMPLE },
      404: errorResponse('No such silence'),
    },
  }),
};

export const authorizedDroneRoutes = {
  list: route({
    method: 'get',
    path: '/authorized-drones',
    operationId: 'listAuthorizedDrones',
    summary: "Each site's own drones",
    tags: ['silences'],
    auth: 'bearer',
    scope: SCOPE,
    query: AuthorizedDroneQuerySchema,
    responses: {
      200: {
        description: 'Authorized drones',
        schema: listOf(AuthorizedDroneViewSchema),
        example: { items: [DRONE_EXAMPLE] },
      },
    },
  }),
  create: route({
    method: 'post',
    path: '/authorized-drones',
    operationId: 'authorizeDrone',
    summary: "Authorize one of the company's drones at a site by its Remote ID uasId: its detections open no incident",
    tags: ['silences'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    body: AuthorizedDroneSpecSchema,
    responses: {
      201: { description: 'The authorized drone', schema: AuthorizedDroneViewSchema, example: DRONE_EXAMPLE },
      409: errorResponse('The drone is already authorized at the site'),
    },
  }),
  expire: route({
    method: 'delete',
    path: '/authorized-drones/{uasId}',
    operationId: 'withdrawDroneAuthorization',
    summary: 'Withdraw the authorization of a drone at the site named by ?siteId=; it stays on record',
    tags: ['silences'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { uasId: UasIdSchema },
    query: DroneSiteQuerySchema,
    responses: {
      200: {
        description: 'The expired entry',
        schema: AuthorizedDroneViewSchema,
        example: { ...DRONE_EXAMPLE, expiredAt: '2026-11-29T08:00:00.000Z', expiredBy: 'lead-kim' },
      },
      404: errorResponse('The drone is not authorized at the site'),
    },
  }),
  held: route({
    method: 'get',
    path: '/authorized-drones/{uasId}/held',
    operationId: 'listDroneHeldEvents',
    summary: "The drone's detections held back at the site named by ?siteId=, newest first",
    tags: ['silences'],
    auth: 'bearer',
    scope: SCOPE,
    params: { uasId: UasIdSchema },
    query: DroneHeldQuerySchema,
    responses: { 200: { description: 'A page of events', schema: pageOf(HeldEventSchema), example: HELD_EXAMPLE } },
  }),
};
