import { z } from 'zod';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { errorResponse } from 'src/platform/error.http';
import { NoQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { route } from 'src/platform/route-contract';
import {
  FloorRequestSchema,
  FloorScopeSchema,
  PostureAckRequestSchema,
  PostureFloorViewSchema,
  PostureHistoryQuerySchema,
  PostureHistoryViewSchema,
  PostureLoweringViewSchema,
  PostureRequestSchema,
  PostureViewSchema,
} from './posture.http';

const SCOPE = 'operators: their own sites';
const CHANGE_EXAMPLE = {
  changeId: '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  level: 'high',
  source: { scheme: 'oreguard', value: 'high', ref: 'Regional alert 2026-12-04' },
  reason: 'Armed theft at a neighbouring concentrator last night',
  setBy: 'lead-kim',
  approvedBy: null,
  validFrom: '2026-12-05T06:00:00.000Z',
  validTo: null,
  expiresAt: '2026-12-08T06:00:00.000Z',
  acknowledgedAt: '2026-12-05T06:04:10.000Z',
  acknowledgedBy: 'op-ana',
};
export const POSTURE_EXAMPLE = {
  siteId: 'kolwezi-1',
  level: 'high',
  own: 'high',
  floor: 'normal',
  reason: CHANGE_EXAMPLE.reason,
  source: CHANGE_EXAMPLE.source,
  expiresAt: CHANGE_EXAMPLE.expiresAt,
  change: CHANGE_EXAMPLE,
  floorEntry: null,
  pendingLowering: null,
  acks: [{ username: 'op-ana', at: '2026-12-05T06:04:10.000Z' }],
};
const LOWERING_EXAMPLE = {
  id: '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912',
  siteId: 'kolwezi-1',
  level: 'elevated',
  source: { scheme: 'oreguard', value: 'elevated' },
  reason: 'The regional alert is lifted',
  expiresAt: '2026-12-10T06:00:00.000Z',
  requestedBy: 'lead-kim',
  requestedAt: '2026-12-06T09:00:00.000Z',
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  changeId: null,
};
const FLOOR_EXAMPLE = {
  id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  scope: 'copperbelt',
  siteIds: ['kolwezi-1', 'likasi-2'],
  level: 'elevated',
  source: { scheme: 'oreguard', value: 'elevated' },
  reason: 'Regional threat assessment, December',
  setBy: 'admin',
  validFrom: '2026-12-01T00:00:00.000Z',
  validTo: null,
  expiresAt: null,
};

export const postureRoutes = {
  get: route({
    method: 'get',
    path: '/sites/{siteId}/posture',
    operationId: 'getSitePosture',
    summary: "The site's threat posture now",
    description:
      "The level in force (the higher of the site's own and the floor), the change behind it, the floor, a lowering awaiting approval, and who acknowledged it. Posture never leaves the company.",
    tags: ['posture'],
    auth: 'bearer',
    scope: SCOPE,
    params: { siteId: IdentifierSchema },
    query: NoQuerySchema,
    responses: {
      200: { description: 'The posture', schema: PostureViewSchema, example: POSTURE_EXAMPLE },
      404: errorResponse('No such site'),
    },
  }),
  set: route({
    method: 'put',
    path: '/sites/{siteId}/posture',
    operationId: 'setSitePosture',
    summary: 'Set the posture: level, reason, source (scheme and value) and expiresAt (required above normal)',
    description:
      'Leads and admins. A raise applies at once (200, the posture); a lowering waits for a second lead (202, the lowering); below the floor, 409. Audited, pushed live on the `posture` event.',
    tags: ['posture'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { siteId: IdentifierSchema },
    body: PostureRequestSchema,
    responses: {
      200: { description: 'Applied: the posture', schema: PostureViewSchema, example: POSTURE_EXAMPLE },
      202: {
        description: 'A lowering, waiting for a second lead',
        schema: PostureLoweringViewSchema,
        example: LOWERING_EXAMPLE,
      },
      404: errorResponse('No such site'),
      409: errorResponse('Below the floor in force'),
    },
  }),
  history: route({
    method: 'get',
    path: '/sites/{siteId}/posture/history',
    operationId: 'getSitePostureHistory',
    summary: "The site's posture as validity intervals, and the floors over it, overlapping [from, to)",
    description: 'What a backtest replays. Without bounds, all of it.',
    tags: ['posture'],
    auth: 'bearer',
    scope: SCOPE,
    params: { siteId: IdentifierSchema },
    query: PostureHistoryQuerySchema,
    responses: {
      200: {
        description: 'The history',
        schema: PostureHistoryViewSchema,
        example: { siteId: 'kolwezi-1', changes: [CHANGE_EXAMPLE], floors: [FLOOR_EXAMPLE] },
      },
      404: errorResponse('No such site'),
    },
  }),
  acknowledge: route({
    method: 'post',
    path: '/sites/{siteId}/posture/acknowledge',
    operationId: 'acknowledgeSitePosture',
    summary: "Acknowledge a posture change (the site's operators)",
    description: 'Unacknowledged past POSTURE_ACK_WITHIN_MS, the leads are told. Audited.',
    tags: ['posture'],
    auth: 'bearer',
    roles: ['operator'],
    params: { siteId: IdentifierSchema },
    body: PostureAckRequestSchema,
    responses: {
      201: { description: 'The posture', schema: PostureViewSchema, example: POSTURE_EXAMPLE },
      404: errorResponse('No such site or change'),
    },
  }),
  approve: route({
    method: 'post',
    path: '/sites/{siteId}/posture/lowerings/{loweringId}/approve',
    operationId: 'approvePostureLowering',
    summary: 'Approve a waiting lowering (a lead other than the one who asked); it then applies',
    tags: ['posture'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    params: { siteId: IdentifierSchema, loweringId: UuidParamSchema },
    responses: {
      201: {
        description: 'The posture',
        schema: PostureViewSchema,
        example: { ...POSTURE_EXAMPLE, level: 'elevated', own: 'elevated' },
      },
      404: errorResponse('No such site or lowering'),
      409: errorResponse('The lowering is no longer pending'),
    },
  }),
};

export const postureFloorRoutes = {
  list: route({
    method: 'get',
    path: '/posture-floors',
    operationId: 'listPostureFloors',
    summary: 'The posture floors in force',
    tags: ['posture'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: NoQuerySchema,
    responses: {
      200: {
        description: 'The floors',
        schema: z.object({ items: z.array(PostureFloorViewSchema) }),
        example: { items: [FLOOR_EXAMPLE] },
      },
    },
  }),
  set: route({
    method: 'put',
    path: '/posture-floors/{scope}',
    operationId: 'setPostureFloor',
    summary:
      "Set the floor of the whole company (scope `company`) or of a region (its sites in siteIds): no site's posture goes below it",
    description: 'Admins. `normal` lifts the floor. Audited.',
    tags: ['posture'],
    auth: 'bearer',
    roles: ['admin'],
    params: { scope: FloorScopeSchema },
    body: FloorRequestSchema,
    responses: { 200: { description: 'The floor', schema: PostureFloorViewSchema, example: FLOOR_EXAMPLE } },
  }),
};
