import { z } from 'zod';
import { errorResponse } from './error.http';
import { route } from './route-contract';

export const ReadinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.record(z.string(), z.string()).meta({
      description: 'postgres, admin, redis and (ingest role) mqtt: "up", or "down: …" / "missing: …" saying why',
    }),
  })
  .meta({ id: 'Readiness' });

const READY_EXAMPLE = { status: 'ok', checks: { postgres: 'up', admin: 'up', redis: 'up', mqtt: 'up' } };

export const healthRoutes = {
  live: route({
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    summary: 'Liveness: the process answers',
    tags: ['health'],
    auth: 'none',
    rateLimited: false,
    responses: {
      200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }), example: { status: 'ok' } },
    },
  }),
  ready: route({
    method: 'get',
    path: '/health/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: PostgreSQL, an admin account (the bootstrap admin), Redis and (ingest role) MQTT',
    tags: ['health'],
    auth: 'none',
    rateLimited: false,
    responses: {
      200: { description: 'Ready', schema: ReadinessSchema, example: READY_EXAMPLE },
      503: {
        description: 'Not ready: checks names what is down or missing',
        schema: ReadinessSchema,
        example: {
          status: 'unavailable',
          checks: { postgres: 'up', admin: 'up', redis: 'down: not connected (reconnecting)', mqtt: 'up' },
        },
      },
    },
  }),
  metrics: route({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags: ['health'],
    auth: 'metrics-token',
    rateLimited: false,
    responses: {
      200: { description: 'Prometheus text format', content: ['text/plain'] },
      401: errorResponse('METRICS_TOKEN is set and the request does not carry it'),
    },
  }),
};
