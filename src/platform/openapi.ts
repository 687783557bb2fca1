import { z } from 'zod';
import { SetSensorZonesSchema } from 'src/health/site-health.http';
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
import { AuditQuerySchema } from 'src/audit/audit.http';
import { CreateGatewaySchema, CreateSiteSchema } from 'src/sites/sites.http';
import { deadLetterPaths } from 'src/correlation/dead-letters.openapi';
import { rulePaths } from 'src/rules/rules.openapi';
import { silencePaths } from 'src/silences/silences.openapi';
import { sharingPaths } from 'src/sharing/sharing.openapi';

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
const unsupportedMedia = { ...errorResponse, description: 'A body in another charset than UTF-8, or with a Content-Encoding other than gzip, deflate or br' };
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 415: unsupportedMedia, 429: rateLimited };
/** The site map's shape, for the document (SiteMapSchema checks each feature by its kind). */
const position = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3, description: '[lon, lat] or [lon, lat, alt], WGS 84' };
const polygon = { type: 'object', required: ['type', 'coordinates'], properties: { type: { const: 'Polygon' }, coordinates: { type: 'array', items: { type: 'array', items: position, minItems: 4 } } } };
const siteMapJsonSchema = {
  type: 'object',
  required: ['type', 'features'],
  properties: {
    type: { const: 'FeatureCollection' },
    features: {
      type: 'array',
      maxItems: 500,
      items: {
        oneOf: [
          { type: 'object', required: ['type', 'geometry', 'properties'], properties: { type: { const: 'Feature' }, geometry: polygon, properties: { type: 'object', required: ['kind'], properties: { kind: { const: 'perimeter' } } } } },
          { type: 'object', required: ['type', 'geometry', 'properties'], properties: { type: { const: 'Feature' }, geometry: polygon, properties: { type: 'object', required: ['kind', 'zone'], properties: { kind: { const: 'zone' }, zone: { type: 'string' } } } } },
          {
            type: 'object',
            required: ['type', 'geometry', 'properties'],
            properties: {
              type: { const: 'Feature' },
              geometry: { type: 'object', required: ['type', 'coordinates'], properties: { type: { const: 'Point' }, coordinates: position } },
              properties: { type: 'object', required: ['kind', 'sensorId'], properties: { kind: { const: 'sensor' }, sensorId: { type: 'string' } } },
            },
          },
        ],
      },
    },
  },
};
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

/** What POST /sites/{id}/gateways and its secret rotation return, once. */
const gatewayCredentials = {
  type: 'object',
  properties: {
    siteId: { type: 'string' },
    gatewayId: { type: 'string' },
    requireSigned: {
      type: 'boolean',
      description: 'its events, Suricata and Remote ID messages must carry oreguard-sig "v2 sha256=<hex>": HMAC-SHA256 of the topic, a newline and the payload',
    },
    secret: { type: 'string', description: '64 hex digits; the HMAC-SHA256 key of oreguard-sig, as written' },
    mqttUsername: { type: 'string', description: '{siteId}.{gatewayId}' },
    mqttPassword: { type: 'string', description: 'HMAC-SHA256(secret, "oreguard-mqtt-password"), hex' },
    secretIssuedAt: { type: 'string', format: 'date-time' },
  },
};

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
        'Security incident monitoring for critical-mineral sites. Live incident messages are on the socket.io namespace /live (see README). JSON bodies over REQUEST_BODY_LIMIT_BYTES get 413; health and metrics are never rate limited. Every response carries X-Request-Id: the request\'s own when it sent a plain one (1 to 128 letters, digits, . _ : -), else a new UUID; the access log and every line logged while serving it carry the same id.',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for the metrics scrape only' },
      },
      schemas: {
        ChainReport: {
          type: 'object',
          required: ['intact', 'entries', 'checkpoint'],
          properties: {
            intact: { type: 'boolean' },
            entries: { type: 'integer', description: 'Entries that held before any fault' },
            headHash: { type: 'string', description: 'Intact only: the hash of the last entry' },
            firstBroken: {
              type: 'object',
              description: 'Broken only: the first entry that does not hold (id "checkpoint:<id>" when entries are missing from the head)',
              properties: { id: { type: 'string' }, seq: { type: 'integer' }, reason: { type: 'string' } },
            },
            checkpoint: {
              type: ['object', 'null'],
              description: 'The latest signed checkpoint the chain was held to (null: none yet)',
              properties: {
                id: { type: 'integer' },
                seq: { type: 'integer' },
                headHash: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
                keyId: { type: 'string' },
              },
            },
          },
        },
        EvidenceKey: {
          type: 'object',
          properties: {
            keyId: { type: 'string', description: 'The fingerprint: lowercase hex SHA-256 of the 32-byte raw Ed25519 public key' },
            fingerprint: { type: 'string' },
            algorithm: { type: 'string', enum: ['Ed25519'] },
            publicKey: { type: 'string', description: 'PEM (SPKI)' },
            origin: { type: 'string', enum: ['generated', 'configured'] },
            createdAt: { type: 'string', format: 'date-time' },
            retiredAt: { type: ['string', 'null'], format: 'date-time' },
            current: { type: 'boolean' },
          },
        },
        Error: {
          type: 'object',
          required: ['statusCode', 'error', 'message'],
          description: 'Every error. A 400 names the field first in message (`text: must not contain the NUL character or a lone UTF-16 surrogate`); text fields refuse NUL and lone surrogates, cursors are accepted only as issued',
          properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
        Incident: {
          type: 'object',
          description:
            'Folding opens an incident per storm of one kind, or per drone track; a correlation rule whose events all lie in one ' +
            'incident escalates it (adds its id, raises the severity, prefixes the title), and one whose events lie in several ' +
            'opens an incident of its own with its title and severity. The timeline says which rule fired, why, and on which events ' +
            '("rule-matched", then "events-joined")',
          properties: {
            ...Object.fromEntries(
              ['id', 'siteId', 'title', 'severity', 'status', 'firstSeenAt', 'lastSeenAt', 'openedAt'].map((k) => [k, { type: 'string' }]),
            ),
            kinds: { type: 'array', items: { type: 'string', enum: ['drone', 'cyber', 'theft'] } },
            ruleIds: {
              type: 'array',
              items: { type: 'string' },
              description:
                'drone-activity, cyber-activity, theft-activity or sensor-health for what folding opened, then the correlation rules ' +
                'that escalated it; a rule\'s own incident has that rule only',
            },
            zones: { type: 'array', items: { type: 'string' } },
            eventCount: { type: 'integer' },
          },
        },
        Event: {
          type: 'object',
          description:
            'The canonical event as accepted plus siteId, gatewayId, receivedAt, source, late, incidentIds; ' +
            'events assembled from Remote ID (source remoteid) also carry remoteId',
          properties: {
            remoteId: {
              type: 'object',
              description: 'Remote ID events only: what the transmitter said beyond the drone object, and OreGuard\'s spoofing check',
              properties: {
                transmitter: { type: 'string', description: 'MAC address or receiver id of the sender, lowercase' },
                transport: { type: 'string', enum: ['ble', 'wifi'] },
                rssi: { type: 'number' },
                status: { description: 'ASTM F3411 operational status (airborne, emergency, …; a number when reserved)' },
                uaType: { description: 'ASTM F3411 UA type from the Basic ID' },
                description: { type: 'string', description: 'The Self-ID text' },
                possibleSpoof: {
                  type: 'object',
                  description: 'This fix implies a faster move from the previous fix than REMOTE_ID_MAX_SPEED_MPS',
                  properties: {
                    impliedSpeedMps: { type: 'number' },
                    limitMps: { type: 'number' },
                    previousFix: { type: 'object', properties: { lat: { type: 'number' }, lon: { type: 'number' }, at: { type: 'string' } } },
                  },
                },
                trackSuspectSince: { type: 'string', description: 'The track of this transmitter has been possibly spoofed since then' },
              },
            },
          },
        },
        DroneTrack: {
          type: 'object',
          description:
            'Drone incidents only (one drone, one incident): who the drone is and where it went. Each fold also writes a "track" ' +
            'timeline entry with its new positions (at most 100, sampled evenly), and "non-cooperative" / "spoof-suspected" entries ' +
            'with the reason when a mark raised the severity one level',
          properties: {
            uasIds: { type: 'array', items: { type: 'string' } },
            trackIds: { type: 'array', items: { type: 'string' }, description: 'Detector tracks, "gateway/sensor/trackId"' },
            remoteIdSeen: { type: 'boolean' },
            nonCooperative: { type: 'boolean', description: 'A radar/RF/visual/acoustic detection had no Remote ID within DRONE_GATE_M and DRONE_GATE_MS' },
            nonCooperativeSince: { type: 'string', nullable: true },
            spoofSuspected: { type: 'boolean', description: 'Remote ID marked a fix of the track as possibly spoofed' },
            spoofSuspectedSince: { type: 'string', nullable: true },
            last: { $ref: '#/components/schemas/TrackPoint' },
            positions: { type: 'array', items: { $ref: '#/components/schemas/TrackPoint' }, description: 'In time order, the latest 2000' },
          },
        },
        TrackPoint: {
          type: 'object',
          properties: {
            lat: { type: 'number' },
            lon: { type: 'number' },
            altM: { type: 'number' },
            at: { type: 'string' },
            detection: { type: 'string', enum: ['remote_id', 'rf', 'radar', 'visual', 'acoustic'] },
            gatewayId: { type: 'string' },
            sensorId: { type: 'string' },
            eventId: { type: 'integer', description: 'The event\'s storage id' },
          },
        },
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
            413: errorResponse,
            415: unsupportedMedia,
            401: { ...errorResponse, description: 'Invalid username or password: the same answer whether or not the username exists' },
            429: {
              ...errorResponse,
              description:
                'Throttled after failed logins for this username (from this address, or from every address but the ones the user logged in from), or too many attempts from this address (LOGIN_RATE_PER_MINUTE); the same for names that exist or not. The account is never locked',
              headers: { 'Retry-After': { description: 'Seconds to wait (also details.retryAfterS)', schema: { type: 'integer' } } },
            },
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
          summary:
            'Incidents, newest first; operators see their sites only. Filters: site, status, minimum severity, kind, zone, ruleId, resolution, assignee, ' +
            'title text (q), activity window (from/to), and lifecycle time ranges openedFrom/openedTo, acknowledgedFrom/acknowledgedTo, resolvedFrom/resolvedTo (inclusive)',
          security: bearer,
          parameters: queryParameters(IncidentQuerySchema),
          responses: { 200: json('A page of incidents', page('Incident')), ...errors },
        },
      },
      '/incidents/{id}': {
        get: {
          summary: 'One incident with its events and timeline; a drone incident also has its track',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            200: json('The incident', {
              allOf: [
                { $ref: '#/components/schemas/Incident' },
                {
                  type: 'object',
                  properties: {
                    events: { type: 'array', items: { $ref: '#/components/schemas/Event' } },
                    timeline: { type: 'array', items: { type: 'object' } },
                    track: { $ref: '#/components/schemas/DroneTrack' },
                  },
                },
              ],
            }),
            404: errorResponse,
            ...errors,
          },
        },
      },
      '/incidents/{id}/verify': {
        get: {
          summary:
            "Recompute the incident's timeline hash chain and hold it to its latest signed checkpoint: {intact: true, entries, headHash, checkpoint} " +
            'or {intact: false, entries, firstBroken: {id, seq, reason}, checkpoint}; entries deleted from the head show as missing ' +
            '(firstBroken.id "checkpoint:<id>")',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: json('The chain check', { $ref: '#/components/schemas/ChainReport' }), 404: errorResponse, ...errors },
        },
      },
      '/incidents/{id}/evidence': {
        get: {
          summary:
            'The evidence bundle (format oreguard-evidence/2): incident, events (normalised, raw payload, topic, receivedAt), timeline with ' +
            'hashes (each entry that adds events binds them by the SHA-256 of their raw payload, details.events), canonical form, chain proof, ' +
            'a signed checkpoint of the timeline head (written now), the signing key (signing: {algorithm, keyId, publicKey}), bundle hash ' +
            'and Ed25519 signature; check it offline with `npm run evidence:verify -- bundle.json --key <public key from /evidence/keys>` ' +
            '(or `--fingerprint <keyId>`). Recorded in the audit log',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: json('The bundle'), 404: errorResponse, ...errors },
        },
      },
      '/evidence/keys': {
        get: {
          summary:
            'The evidence public keys, current and retired, newest first (no token needed: public keys, for whoever checks a bundle; ' +
            'pin the fingerprint out of band)',
          responses: {
            200: json('The keys', { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/EvidenceKey' } } } }),
            429: rateLimited,
          },
        },
      },
      '/audit': {
        get: {
          summary: 'The audit record (leads and admins): logins and failed logins, account changes, exports…, newest first',
          security: bearer,
          parameters: queryParameters(AuditQuerySchema),
          responses: { 200: json('A page of audit entries'), ...errors },
        },
      },
      '/audit/verify': {
        get: {
          summary:
            "Recompute the audit record's hash chain (leads and admins) and hold it to its latest signed checkpoint: intact, or the first " +
            'broken entry (or the entries missing from its head) and why',
          security: bearer,
          responses: { 200: json('The chain check', { $ref: '#/components/schemas/ChainReport' }), ...errors },
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
          summary:
            'Incidents opened in the window (from/to), narrowed by the same filters as GET /incidents: counts by site, kind, severity and day; mean times to acknowledge and resolve (s)',
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
      '/sites': {
        get: { summary: 'The sites the caller may see, with their gateways', security: bearer, responses: { 200: json('Sites'), ...errors } },
        post: {
          summary:
            'Register a site (admins); a site first seen on MQTT may be claimed once (named, given its time zone). With INGEST_REQUIRE_REGISTERED (default in production) only registered sites and gateways are ingested',
          security: bearer,
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(CreateSiteSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { 201: json('The site'), 409: errorResponse, ...errors },
        },
      },
      '/sites/{id}/gateways': {
        get: {
          summary:
            "A site's gateways: state (online|offline), stateReason, lastHeardAt, lastSeq, and seqGaps {count, missing, recent: [{fromSeq, toSeq, detectedAt, reportedAt}], pending: {count, missing, ranges: [{fromSeq, toSeq, detectedAt}]}}: ranges of the gateway's seq never stored, reported once open past SEQ_GAP_GRACE_MS (events lost between sensor and broker; count, missing and recent), or still pending within it (late arrivals may fill them)",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json('Gateways'), 404: errorResponse, ...errors },
        },
        post: {
          summary:
            "Create a gateway (admins), or issue a secret to one first seen on MQTT. The answer holds its secret (the HMAC key of signed events) and broker credentials, shown this once",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(CreateGatewaySchema, { io: 'input' }) } } },
          responses: { 201: json('The gateway with its secret', gatewayCredentials), 404: errorResponse, 409: errorResponse, ...errors },
        },
      },
      '/sites/{id}/gateways/{gatewayId}/secret': {
        post: {
          summary: "Replace a gateway's secret (admins); the new one is shown this once. Regenerate the broker files afterwards",
          security: bearer,
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'gatewayId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { 200: json('The gateway with its new secret', gatewayCredentials), 404: errorResponse, ...errors },
        },
      },
      '/sites/{id}/sensors': {
        get: {
          summary: "A site's sensors: health (state, stateAt, stateReason) and the zones each covers ({zone, source: learned|admin})",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json('Sensors'), 404: errorResponse, ...errors },
        },
      },
      '/sites/{id}/map': {
        get: {
          summary: "The site's map: a GeoJSON FeatureCollection (WGS 84) of perimeter, zone and sensor features; 404 when none is set",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json('The map'), 404: errorResponse, ...errors },
        },
        put: {
          summary:
            'Set the site map (admins; audited as site.map-set): a FeatureCollection whose features have properties.kind perimeter (Polygon), zone (Polygon, properties.zone) or sensor (Point, properties.sensorId); positions [lon, lat] in WGS 84, rings closed, at most 500 features; other properties are kept',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { content: { 'application/json': { schema: siteMapJsonSchema } } },
          responses: { 200: json('The map as stored'), 404: errorResponse, ...errors },
        },
      },
      '/sites/{id}/blind-zones': {
        get: {
          summary: 'Zones every covering sensor (or its gateway) of which is not ok: {siteId, at, zones}; at a past time from the health history',
          security: bearer,
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' }, description: 'ISO 8601 with offset; default now' },
          ],
          responses: { 200: json('Blind zones'), 404: errorResponse, ...errors },
        },
      },
      '/sites/{siteId}/sensors/{sensorId}/zones': {
        put: {
          summary: 'Set the zones a sensor covers (admins): exactly these, marked as set by an admin; learning from events only adds',
          security: bearer,
          parameters: [
            { name: 'siteId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'sensorId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(SetSensorZonesSchema, { io: 'input' }) } } },
          responses: { 200: json('The sensor and its zones'), 404: errorResponse, ...errors },
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
      '/users/login-throttles': {
        get: {
          summary:
            'Failed-login throttles (admins): every username tried, existing or not, per client address and from every address (address null), with its failures and until when it must wait',
          security: bearer,
          responses: {
            200: json('Throttles, most recent first (at most 500)', {
              type: 'object',
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      username: { type: 'string' },
                      address: { type: ['string', 'null'], description: 'null: the count over every address' },
                      failures: { type: 'integer' },
                      lastFailureAt: { type: ['string', 'null'], format: 'date-time' },
                      blockedUntil: { type: ['string', 'null'], format: 'date-time' },
                    },
                  },
                },
              },
            }),
            ...errors,
          },
        },
      },
      '/users/login-throttles/{username}': {
        delete: {
          summary: "Clear a username's failed logins and waits, from every address (admins); audited as auth.login-throttle-cleared",
          security: bearer,
          parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } }],
          responses: {
            200: json('What was cleared', { type: 'object', properties: { username: { type: 'string' }, cleared: { type: 'integer' } } }),
            ...errors,
          },
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
      ...silencePaths(),
      ...sharingPaths(),
      ...rulePaths(),
      ...deadLetterPaths(),
      '/health/live': { get: { summary: 'Liveness', responses: { 200: json('Alive') } } },
      '/health/ready': {
        get: {
          summary:
            'Readiness: PostgreSQL, an admin account (the bootstrap admin), Redis and (ingest role) MQTT; 503 names what is down or missing in checks',
          responses: { 200: json('Ready'), 503: json('Not ready') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics; when METRICS_TOKEN is set, only with Authorization: Bearer <METRICS_TOKEN>',
          security: [{}, { metricsToken: [] }],
          responses: {
            200: { description: 'Prometheus text format', content: { 'text/plain': {} } },
            401: { ...errorResponse, description: 'METRICS_TOKEN is set and the request does not carry it' },
          },
        },
      },
    },
  };
}
