import { z } from 'zod';
import {
  AssignSchema,
  CreateUserSchema,
  EventQuerySchema,
  IncidentExportQuerySchema,
  IncidentQuerySchema,
  LoginSchema,
  NoteSchema,
  RefreshSchema,
  RejectedQuerySchema,
  ResolveSchema,
  StatsQuerySchema,
  UpdateUserSchema,
} from './query.schemas';

/** Query parameters of an OpenAPI operation, from the zod schema that checks them. */
function queryParameters(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, object>;
    required?: string[];
  };
  return Object.entries(json.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}

const bearer = [{ bearer: [] }];
const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const rateLimited = {
  ...errorResponse,
  description: 'Over RATE_LIMIT_REST_PER_MINUTE (per user, or per address without a token)',
  headers: { 'Retry-After': { description: 'Seconds until the window ends', schema: { type: 'integer' } } },
};
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: rateLimited };
const tokens = {
  type: 'object',
  properties: {
    accessToken: { type: 'string' },
    expiresIn: { type: 'integer', description: 'Seconds (JWT_EXPIRES_IN_S)' },
    refreshToken: { type: 'string', description: 'Opaque, single use: exchange it at /auth/refresh before refreshExpiresIn' },
    refreshExpiresIn: { type: 'integer', description: 'Seconds (REFRESH_TOKEN_EXPIRES_IN_S)' },
  },
};
const json = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
const page = (item: string) => ({
  type: 'object',
  properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, nextCursor: { type: ['string', 'null'] } },
});

/** POST /incidents/{id}/acknowledge, /assign, /notes, /resolve, /reopen. */
function lifecycleActions() {
  const actions: [string, string, z.ZodType | undefined][] = [
    ['acknowledge', 'Acknowledge an open incident', undefined],
    ['assign', 'Assign the incident to a user', AssignSchema],
    ['notes', 'Add a note to the timeline', NoteSchema],
    ['resolve', 'Resolve the incident (true_positive, false_positive or duplicate)', ResolveSchema],
    ['reopen', 'Reopen a resolved incident', undefined],
  ];
  return Object.fromEntries(
    actions.map(([action, summary, body]) => [
      `/incidents/{id}/${action}`,
      {
        post: {
          summary: `${summary}; writes a timeline entry naming who and when, and pushes a live message`,
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          ...(body ? { requestBody: { content: { 'application/json': { schema: z.toJSONSchema(body) } } } } : {}),
          responses: { 200: json('The incident after the action', { $ref: '#/components/schemas/Incident' }), 404: errorResponse, 409: errorResponse, ...errors },
        },
      },
    ]),
  );
}

/** The OpenAPI 3.1 document served at /docs (kept beside the routes it describes). */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'OreGuard',
      version: '1',
      description:
        'Security incident monitoring for critical-mineral sites. Live incident messages are on the socket.io namespace /live (see README). JSON bodies over REQUEST_BODY_LIMIT_BYTES get 413; health and metrics are never rate limited.',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['statusCode', 'error', 'message'],
          properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
        Incident: {
          type: 'object',
          properties: Object.fromEntries(
            ['id', 'siteId', 'title', 'severity', 'status', 'firstSeenAt', 'lastSeenAt', 'openedAt'].map((k) => [k, { type: 'string' }]),
          ),
        },
        Event: { type: 'object', description: 'The canonical event as accepted plus siteId, gatewayId, receivedAt, source, late, incidentIds' },
        RejectedEvent: {
          type: 'object',
          properties: Object.fromEntries(['id', 'receivedAt', 'topic', 'reason', 'payload'].map((k) => [k, { type: 'string' }])),
        },
      },
    },
    paths: {
      '/auth/login': {
        post: {
          summary: 'Exchange a username and password for an access token; opens a session with a refresh token',
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(LoginSchema) } } },
          responses: {
            200: json('Tokens', tokens),
            400: errorResponse,
            401: errorResponse,
            413: errorResponse,
            429: { ...errorResponse, description: 'Account locked after failed logins, or too many attempts from this address' },
          },
        },
      },
      '/auth/refresh': {
        post: {
          summary:
            'Exchange a refresh token for a new access token and the next refresh token. Each refresh token works once: one presented again revokes its session',
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(RefreshSchema) } } },
          responses: { 200: json('Tokens', tokens), 400: errorResponse, 401: errorResponse, 429: rateLimited },
        },
      },
      '/auth/logout': {
        post: {
          summary: "End the caller's session: its access and refresh tokens are refused from the next request on, and its live sockets close",
          security: bearer,
          responses: { 204: { description: 'Logged out' }, 401: errorResponse, 429: rateLimited },
        },
      },
      '/incidents': {
        get: {
          summary: 'Incidents, newest first; operators see their sites only',
          security: bearer,
          parameters: queryParameters(IncidentQuerySchema),
          responses: { 200: json('A page of incidents', page('Incident')), ...errors },
        },
      },
      '/incidents/{id}': {
        get: {
          summary: 'One incident with its events and timeline',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: json('The incident'), 404: errorResponse, ...errors },
        },
      },
      '/incidents/export': {
        get: {
          summary: 'Every incident the filters select, streamed as CSV or NDJSON (no page limit)',
          security: bearer,
          parameters: queryParameters(IncidentExportQuerySchema),
          responses: {
            200: { description: 'The export', content: { 'text/csv': {}, 'application/x-ndjson': {} } },
            ...errors,
          },
        },
      },
      '/stats': {
        get: {
          summary: 'Incidents opened in the window: counts by site, kind, severity and day; mean times to acknowledge and resolve (s)',
          security: bearer,
          parameters: queryParameters(StatsQuerySchema),
          responses: { 200: json('Statistics'), ...errors },
        },
      },
      ...lifecycleActions(),
      '/events': {
        get: {
          summary: 'Accepted events, newest (by event time) first',
          security: bearer,
          parameters: queryParameters(EventQuerySchema),
          responses: { 200: json('A page of events', page('Event')), ...errors },
        },
      },
      '/rejected-events': {
        get: {
          summary: 'Rejected input, newest first (leads and admins)',
          security: bearer,
          parameters: queryParameters(RejectedQuerySchema),
          responses: { 200: json('A page of rejected events', page('RejectedEvent')), ...errors },
        },
      },
      '/sites': { get: { summary: 'The sites the caller may see, with their gateways', security: bearer, responses: { 200: json('Sites'), ...errors } } },
      '/sites/{id}/sensors': {
        get: {
          summary: "A site's sensors",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json('Sensors'), 404: errorResponse, ...errors },
        },
      },
      '/users': {
        get: { summary: 'Accounts (admins)', security: bearer, responses: { 200: json('Users'), ...errors } },
        post: {
          summary: 'Create an account (admins): role operator, lead or admin; siteIds for operators',
          security: bearer,
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(CreateUserSchema, { io: 'input' }) } } },
          responses: { 201: json('The user'), 409: errorResponse, ...errors },
        },
      },
      '/users/{id}': {
        patch: {
          summary: "Change an account (admins); its tokens and live sockets stop working at once",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(UpdateUserSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { 200: json('The user'), 404: errorResponse, ...errors },
        },
      },
      '/health/live': { get: { summary: 'Liveness', responses: { 200: json('Alive') } } },
      '/health/ready': { get: { summary: 'Readiness: PostgreSQL, Redis and (ingest role) MQTT', responses: { 200: json('Ready'), 503: json('Not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': {} } } } } },
    },
  };
}
