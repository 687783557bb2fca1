import { applyDecorators, HttpCode, RequestMapping, RequestMethod, SetMetadata, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Role = 'operator' | 'lead' | 'admin';

/** One response of a route: its meaning, and (for JSON) the zod schema its body satisfies with an example. */
export interface ResponseContract {
  description: string;
  /** The JSON body; absent for a body that is not JSON (give `content`) or no body at all (204). */
  schema?: z.ZodType;
  example?: unknown;
  /** Media types of a body that is not JSON (CSV, Prometheus text), described in prose. */
  content?: string[];
  headers?: Record<string, { description: string; schema: object }>;
}

/**
 * Everything the API documents say about one route, declared beside its handler (in the
 * feature's `*.routes.ts`) and put on it with `@Route(contract)`: the method and path Nest
 * mounts, the status it answers, and the zod schemas the handler validates its input with
 * (the same objects it passes to parseRequest) and its answers satisfy.
 */
export interface RouteContract {
  method: HttpMethod;
  /** Under /api/v1, in OpenAPI form: `/incidents/{id}/verify`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /**
   * `bearer`: an access token (the roles allowed are in `roles`); `none`: no token (login,
   * refresh, health, public keys); `metrics-token`: METRICS_TOKEN when it is set.
   */
  auth: 'bearer' | 'none' | 'metrics-token';
  /** The roles allowed, for `bearer` routes; all roles when absent. Said in the description (the handlers check). */
  roles?: Role[];
  /** Who sees what, beyond the roles: "operators: their own sites". */
  scope?: string;
  params?: Record<string, z.ZodType>;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Keyed by status: the success response (the lowest 2xx; another only where the handler sets it) and the errors particular to the route (404, 409…). */
  responses: Record<number, ResponseContract>;
  /** Probes and the metrics scrape are not rate limited (no 429). */
  rateLimited?: boolean;
}

/** A route contract, typed. */
export function route<const C extends RouteContract>(contract: C): C {
  return contract;
}

export const ROUTE_CONTRACT = 'oreguard:route-contract';
const OUTSIDE_REST_API = 'oreguard:outside-rest-api';

/**
 * Marks a controller that serves a surface another specification describes, outside /api/v1
 * (TAXII 2.1 at /taxii2/, the MISP feed at /misp/): its handlers carry no route contract and
 * are not in the REST API's document. Say which specification in `reason`.
 */
export function OutsideRestApi(reason: string): ClassDecorator {
  return SetMetadata(OUTSIDE_REST_API, reason);
}

const NEST_METHODS: Record<HttpMethod, RequestMethod> = {
  get: RequestMethod.GET,
  post: RequestMethod.POST,
  put: RequestMethod.PUT,
  patch: RequestMethod.PATCH,
  delete: RequestMethod.DELETE,
};

/**
 * The success status of a route: its lowest 2xx response, the one Nest answers with. A route may
 * declare another 2xx its handler sets itself (PUT /sites/{siteId}/posture: 202 for a lowering
 * that waits for a second lead).
 */
export function successStatus(contract: RouteContract): number {
  const statuses = Object.keys(contract.responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 300);
  if (statuses.length === 0) throw new Error(`${contract.operationId}: declare a 2xx response`);
  return Math.min(...statuses);
}

/**
 * Mounts a handler as its contract says (method, path, success status) and keeps the contract
 * on it for the API document. The controller itself is `@Controller()`, without a prefix, so
 * the path is written once.
 */
export function Route(contract: RouteContract): MethodDecorator {
  return applyDecorators(
    RequestMapping({ method: NEST_METHODS[contract.method], path: contract.path.replace(/\{(\w+)\}/g, ':$1') }),
    HttpCode(successStatus(contract)),
    SetMetadata(ROUTE_CONTRACT, contract),
  );
}

/**
 * The contracts of the controllers' handlers, in declaration order. A handler Nest mounts
 * without a contract, or a contract whose path differs from the mounted one, is a bug: it throws.
 */
export function collectRouteContracts(controllers: readonly Type[]): RouteContract[] {
  const contracts: RouteContract[] = [];
  for (const controller of controllers) {
    if (Reflect.getMetadata(OUTSIDE_REST_API, controller)) continue;
    const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const contract = Reflect.getMetadata(ROUTE_CONTRACT, handler) as RouteContract | undefined;
      if (!contract) {
        throw new Error(
          `${controller.name}.${name} is mounted without a route contract: declare it with route({...}) in the feature's *.routes.ts and mount it with @Route(contract) (README, "API documents")`,
        );
      }
      if (prefix && prefix !== '/')
        throw new Error(
          `${controller.name} has a path prefix (${prefix}): contracts carry the whole path, so use @Controller()`,
        );
      contracts.push(contract);
    }
  }
  return contracts;
}

/** Every controller of a module and of the modules it imports (static or dynamic), each once, in import order. */
export function controllersOf(root: unknown): Type[] {
  const seen = new Set<unknown>();
  const controllers: Type[] = [];
  const visit = (entry: unknown): void => {
    const resolved =
      typeof (entry as { forwardRef?: () => unknown })?.forwardRef === 'function'
        ? (entry as { forwardRef: () => unknown }).forwardRef()
        : entry;
    if (!resolved || seen.has(resolved)) return;
    seen.add(resolved);
    const dynamic =
      typeof resolved === 'object'
        ? (resolved as { module: Type; imports?: unknown[]; controllers?: Type[] })
        : undefined;
    const module = dynamic ? dynamic.module : (resolved as Type);
    for (const imported of [
      ...((Reflect.getMetadata('imports', module) as unknown[]) ?? []),
      ...(dynamic?.imports ?? []),
    ])
      visit(imported);
    for (const controller of [
      ...((Reflect.getMetadata('controllers', module) as Type[]) ?? []),
      ...(dynamic?.controllers ?? []),
    ]) {
      if (!controllers.includes(controller)) controllers.push(controller);
    }
  };
  visit(root);
  return controllers;
}
