import { z } from 'zod';
import { SilenceSpecSchema } from 'src/domain/silences/silence';
import {
  AuthorizedDroneQuerySchema,
  AuthorizedDroneSpecSchema,
  DroneHeldQuerySchema,
  DroneSiteQuerySchema,
  HeldQuerySchema,
  SilenceQuerySchema,
} from './silences.http';

const bearer = [{ bearer: [] }];
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });

function query(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, object>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

const silenceId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const uasId = { name: 'uasId', in: 'path', required: true, schema: { type: 'string' } };

/** OpenAPI paths of silences and authorized drones (spread into the document in src/platform/openapi.ts). */
export function silencePaths() {
  return {
    '/silences': {
      get: {
        summary:
          'Silences, newest first (leads: all sites; operators: their own sites, read only). activeAt: those holding events back at that instant; includeExpired: also expired and ended ones',
        security: bearer,
        parameters: query(SilenceQuerySchema),
        responses: { 200: ok('A page of silences'), ...errors },
      },
      post: {
        summary:
          "Create a silence (leads and admins): siteId, optional zone, sensorId, kind and match (field path → value or values), startsAt (default now) and endsAt, or a weekly recurrence on the site's clock; reason required. Matching events are stored and linked but open no incident and push nothing",
        security: bearer,
        requestBody: body(SilenceSpecSchema),
        responses: { 201: ok('The silence'), ...errors },
      },
    },
    '/silences/{id}': {
      delete: {
        summary: 'Expire a silence (leads and admins); it stays on record with what it held back',
        security: bearer,
        parameters: [silenceId],
        responses: { 200: ok('The expired silence'), 404: error, ...errors },
      },
    },
    '/silences/{id}/held': {
      get: {
        summary: 'The events the silence held back, newest (event time) first, each with heldAt',
        security: bearer,
        parameters: [silenceId, ...query(HeldQuerySchema)],
        responses: { 200: ok('A page of events'), 404: error, ...errors },
      },
    },
    '/authorized-drones': {
      get: {
        summary: "Each site's own drones (leads: all sites; operators: their own sites, read only)",
        security: bearer,
        parameters: query(AuthorizedDroneQuerySchema),
        responses: { 200: ok('Authorized drones'), ...errors },
      },
      post: {
        summary: "Authorize one of the company's drones at a site by its Remote ID uasId (leads and admins): its detections open no incident",
        security: bearer,
        requestBody: body(AuthorizedDroneSpecSchema),
        responses: { 201: ok('The authorized drone'), 409: error, ...errors },
      },
    },
    '/authorized-drones/{uasId}': {
      delete: {
        summary: 'Withdraw the authorization of a drone at the site named by ?siteId= (leads and admins); it stays on record',
        security: bearer,
        parameters: [uasId, ...query(DroneSiteQuerySchema)],
        responses: { 200: ok('The expired entry'), 404: error, ...errors },
      },
    },
    '/authorized-drones/{uasId}/held': {
      get: {
        summary: "The drone's detections held back at the site named by ?siteId=, newest first",
        security: bearer,
        parameters: [uasId, ...query(DroneHeldQuerySchema)],
        responses: { 200: ok('A page of events'), ...errors },
      },
    },
  };
}
