import type { z } from 'zod';
import { ErrorSchema } from './error.http';
import { JsonSchemaCollector, type JsonSchema } from './json-schema';
import { successStatus, type ResponseContract, type RouteContract } from './route-contract';

export interface ApiTag {
  name: string;
  description: string;
}

const DESCRIPTION =
  'Security incident monitoring for critical-mineral sites. Live incident messages are on the socket.io namespace /live ' +
  '(described by the AsyncAPI document at /docs/asyncapi.json, with the MQTT topics gateways publish to). JSON bodies over ' +
  'REQUEST_BODY_LIMIT_BYTES get 413; health and metrics are never rate limited. Every response carries X-Request-Id: the ' +
  "request's own when it sent a plain one (1 to 128 letters, digits, . _ : -), else a new UUID; the access log and every line " +
  'logged while serving it carry the same id.';

/** What every route may answer besides its own responses, and when. */
const COMMON_ERRORS: Record<
  number,
  { description: string; applies: (c: RouteContract) => boolean; headers?: ResponseContract['headers'] }
> = {
  400: {
    description: 'Bad input: message names the field and the fault',
    applies: (c) => Boolean(c.params || c.query || c.body),
  },
  401: { description: 'No valid access token', applies: (c) => c.auth === 'bearer' },
  403: {
    description: "The caller's role may not do this, or the site is not one of theirs",
    applies: (c) => c.auth === 'bearer',
  },
  413: { description: 'A body over REQUEST_BODY_LIMIT_BYTES', applies: (c) => Boolean(c.body) },
  415: {
    description: 'A body in another charset than UTF-8, or with a Content-Encoding other than gzip, deflate or br',
    applies: (c) => Boolean(c.body),
  },
  429: {
    description: 'Over RATE_LIMIT_REST_PER_MINUTE (per user, or per address without a token)',
    applies: (c) => c.rateLimited !== false,
    headers: { 'Retry-After': { description: 'Seconds until the window ends', schema: { type: 'integer' } } },
  },
};

const ROLE_NAMES = { operator: 'operators', lead: 'leads', admin: 'admins' } as const;

/**
 * The OpenAPI 3.1 document served at /docs/openapi.json, generated from the routes' contracts
 * (collectRouteContracts): their zod schemas become the parameters, bodies and responses, and
 * every schema with an id one component.
 */
export function openApiDocument(contracts: readonly RouteContract[], tags: readonly ApiTag[]): Record<string, unknown> {
  const schemas = new JsonSchemaCollector('#/components/schemas/');
  const errorRef = schemas.convert(ErrorSchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const contract of contracts) {
    if (operationIds.has(contract.operationId)) throw new Error(`operationId ${contract.operationId} is used twice`);
    operationIds.add(contract.operationId);
    const operations = (paths[contract.path] ??= {});
    if (operations[contract.method])
      throw new Error(`${contract.method.toUpperCase()} ${contract.path} is declared twice`);
    operations[contract.method] = operation(contract, schemas, errorRef);
  }
  const usedTags = new Set(contracts.flatMap((c) => c.tags));
  for (const name of usedTags)
    if (!tags.some((t) => t.name === name)) throw new Error(`Tag ${name} has no description`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'OreGuard',
      version: '1',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/api/v1', description: 'This OreGuard instance' }],
    tags: tags.filter((t) => usedTags.has(t.name)),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from POST /auth/login or /auth/refresh',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for the metrics scrape only' },
      },
      schemas: schemas.components,
    },
  };
}

function operation(
  contract: RouteContract,
  schemas: JsonSchemaCollector,
  errorRef: JsonSchema,
): Record<string, unknown> {
  successStatus(contract); // at least one 2xx
  const parameters = [
    ...Object.entries(contract.params ?? {}).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: schemas.convert(schema, 'input'),
    })),
    ...(contract.query ? queryParameters(contract.query, schemas) : []),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(contract.responses))
    responses[status] = responseObject(response, schemas);
  for (const [status, common] of Object.entries(COMMON_ERRORS)) {
    if (responses[status] || !common.applies(contract)) continue;
    responses[status] = {
      description: common.description,
      ...(common.headers && { headers: common.headers }),
      content: { 'application/json': { schema: errorRef } },
    };
  }
  const sorted = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    description: describe(contract),
    tags: contract.tags,
    security:
      contract.auth === 'bearer'
        ? [{ bearer: [] }]
        : contract.auth === 'metrics-token'
          ? [{}, { metricsToken: [] }]
          : [],
    ...(parameters.length > 0 && { parameters }),
    ...(contract.body && { requestBody: requestBody(contract.body, schemas) }),
    responses: sorted,
  };
}

/** The description, then who may call it. */
function describe(contract: RouteContract): string {
  const who =
    contract.auth === 'none'
      ? 'No token needed.'
      : contract.auth === 'metrics-token'
        ? 'With Authorization: Bearer <METRICS_TOKEN> when METRICS_TOKEN is set; open otherwise.'
        : `Roles: ${(contract.roles ?? ['operator', 'lead', 'admin']).map((r) => ROLE_NAMES[r]).join(', ')}${contract.scope ? ` (${contract.scope})` : ''}.`;
  return contract.description ? `${contract.description}\n\n${who}` : who;
}

function queryParameters(query: z.ZodType, schemas: JsonSchemaCollector) {
  const json = schemas.convert(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: json.required?.includes(name) ?? false,
      ...(typeof description === 'string' && { description }),
      schema: rest,
    };
  });
}

function requestBody(body: z.ZodType, schemas: JsonSchemaCollector) {
  // A body the route also takes absent (`NoBodySchema`) is optional.
  const required = !body.safeParse(undefined).success;
  return { required, content: { 'application/json': { schema: schemas.convert(body, 'input') } } };
}

function responseObject(response: ResponseContract, schemas: JsonSchemaCollector) {
  const content = response.schema
    ? {
        'application/json': {
          schema: schemas.convert(response.schema, 'output'),
          ...(response.example !== undefined && { example: response.example }),
        },
      }
    : response.content
      ? Object.fromEntries(response.content.map((type) => [type, { schema: { type: 'string' } }]))
      : undefined;
  return {
    description: response.description,
    ...(response.headers && { headers: response.headers }),
    ...(content && { content }),
  };
}
