import { IdentifierSchema } from 'src/domain/events/identifiers';
import { errorResponse } from 'src/platform/error.http';
import { listOf } from 'src/platform/page.http';
import { route } from 'src/platform/route-contract';
import {
  BlindZonesQuerySchema,
  BlindZonesSchema,
  GatewayHealthSchema,
  SensorZonesSchema,
  SetSensorZonesSchema,
  SiteSensorParamsSchema,
} from './site-health.http';

const noSite = errorResponse('No such site');

export const siteHealthRoutes = {
  gateways: route({
    method: 'get',
    path: '/sites/{id}/gateways',
    operationId: 'listSiteGateways',
    summary: "A site's gateways: state, last heard, last seq and the seq gaps (events lost between sensor and broker)",
    tags: ['sites'],
    auth: 'bearer',
    scope: 'operators: their own sites',
    params: { id: IdentifierSchema },
    responses: {
      200: {
        description: 'Gateways',
        schema: listOf(GatewayHealthSchema),
        example: {
          items: [
            {
              gatewayId: 'gw-north',
              state: 'online',
              stateAt: '2026-11-29T02:00:00.000Z',
              stateReason: null,
              lastHeardAt: '2026-11-29T03:14:00.000Z',
              lastSeq: 88231,
              seqGaps: {
                count: 1,
                missing: 3,
                recent: [
                  {
                    fromSeq: 88100,
                    toSeq: 88102,
                    detectedAt: '2026-11-29T01:00:00.000Z',
                    reportedAt: '2026-11-29T01:05:00.000Z',
                  },
                ],
                pending: { count: 0, missing: 0, ranges: [] },
              },
            },
          ],
        },
      },
      404: noSite,
    },
  }),
  blindZones: route({
    method: 'get',
    path: '/sites/{id}/blind-zones',
    operationId: 'getSiteBlindZones',
    summary: 'Zones every covering sensor (or its gateway) of which is not ok; at a past time from the health history',
    tags: ['sites'],
    auth: 'bearer',
    scope: 'operators: their own sites',
    params: { id: IdentifierSchema },
    query: BlindZonesQuerySchema,
    responses: {
      200: {
        description: 'Blind zones',
        schema: BlindZonesSchema,
        example: { siteId: 'kolwezi-1', at: '2026-11-29T03:15:00.000Z', zones: ['tailings-east'] },
      },
      404: noSite,
    },
  }),
  setZones: route({
    method: 'put',
    path: '/sites/{id}/sensors/{sensorId}/zones',
    operationId: 'setSensorZones',
    summary: 'Set the zones a sensor covers: exactly these, marked as set by an admin; learning from events only adds',
    tags: ['sites'],
    auth: 'bearer',
    roles: ['admin'],
    params: SiteSensorParamsSchema.shape,
    body: SetSensorZonesSchema,
    responses: {
      200: {
        description: 'The sensor and its zones',
        schema: SensorZonesSchema,
        example: { siteId: 'kolwezi-1', sensorId: 'rf-mast-2', zones: ['tailings-east'] },
      },
      404: errorResponse('No such sensor at the site'),
    },
  }),
};
