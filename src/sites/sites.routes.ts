import { IdentifierSchema } from 'src/domain/events/identifiers';
import {
  SiteMapFeatureSchema,
  SiteMapFeatureUnionSchema,
  SiteMapSchema,
  SiteMapViewSchema,
} from 'src/domain/sites/site-map.schema';
import { errorResponse } from 'src/platform/error.http';
import { documentAs } from 'src/platform/json-schema';
import { listOf } from 'src/platform/page.http';
import { NoQuerySchema } from 'src/platform/query.schemas';
import { route } from 'src/platform/route-contract';
import {
  CreateGatewaySchema,
  CreateSiteSchema,
  GatewayCredentialsSchema,
  SensorSchema,
  SiteSchema,
  SiteWithGatewaysSchema,
} from './sites.http';

// A feature is checked by the schema its kind names, in code: documented as the union of the three.
documentAs(SiteMapFeatureSchema, SiteMapFeatureUnionSchema);

const siteParams = { id: IdentifierSchema };
const noSite = errorResponse('No such site');
const SCOPE = 'operators: their own sites';

const CREDENTIALS_EXAMPLE = {
  siteId: 'kolwezi-1',
  gatewayId: 'gw-north',
  requireSigned: true,
  secret: '5f0c3a9e1d7b2c4e6a8f0b1d3c5e7a9f2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a',
  mqttUsername: 'kolwezi-1.gw-north',
  mqttPassword: '8d2f4b6a0c1e3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c',
  secretIssuedAt: '2026-11-29T08:00:00.000Z',
};
const SITE_MAP_EXAMPLE = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [25.4713, -10.7152] },
      properties: { kind: 'sensor', sensorId: 'rf-mast-2' },
    },
  ],
};

export const siteRoutes = {
  list: route({
    method: 'get',
    path: '/sites',
    operationId: 'listSites',
    summary: 'The sites the caller may see, with their gateways',
    tags: ['sites'],
    auth: 'bearer',
    scope: SCOPE,
    query: NoQuerySchema,
    responses: {
      200: {
        description: 'Sites',
        schema: listOf(SiteWithGatewaysSchema),
        example: {
          items: [
            {
              id: 'kolwezi-1',
              name: 'Kolwezi concentrator',
              timeZone: 'Africa/Lubumbashi',
              createdAt: '2026-11-01T08:00:00.000Z',
              gateways: [
                {
                  id: 'gw-north',
                  state: 'online',
                  stateAt: '2026-11-29T02:00:00+00:00',
                  requireSigned: true,
                  secretIssuedAt: '2026-11-01T08:05:00+00:00',
                },
              ],
            },
          ],
        },
      },
    },
  }),
  create: route({
    method: 'post',
    path: '/sites',
    operationId: 'createSite',
    summary: 'Register a site, or claim one first seen on MQTT (name it, give its time zone)',
    description:
      'With INGEST_REQUIRE_REGISTERED (default in production) only registered sites and gateways are ingested.',
    tags: ['sites'],
    auth: 'bearer',
    roles: ['admin'],
    body: CreateSiteSchema,
    responses: {
      201: {
        description: 'The site',
        schema: SiteSchema,
        example: {
          id: 'kolwezi-1',
          name: 'Kolwezi concentrator',
          timeZone: 'Africa/Lubumbashi',
          createdAt: '2026-11-01T08:00:00.000Z',
          registeredAt: '2026-11-01T08:00:00.000Z',
        },
      },
      409: errorResponse('The site is already registered'),
    },
  }),
  sensors: route({
    method: 'get',
    path: '/sites/{id}/sensors',
    operationId: 'listSiteSensors',
    summary: "A site's sensors: health (state, stateAt, stateReason) and the zones each covers",
    tags: ['sites'],
    auth: 'bearer',
    scope: SCOPE,
    params: siteParams,
    query: NoQuerySchema,
    responses: {
      200: {
        description: 'Sensors',
        schema: listOf(SensorSchema),
        example: {
          items: [
            {
              sensorId: 'rf-mast-2',
              gatewayId: 'gw-north',
              network: 'ot',
              state: 'ok',
              stateAt: '2026-11-29T02:00:00.000Z',
              stateReason: null,
              zones: [{ zone: 'tailings-east', source: 'learned' }],
            },
          ],
        },
      },
      404: noSite,
    },
  }),
  getMap: route({
    method: 'get',
    path: '/sites/{id}/map',
    operationId: 'getSiteMap',
    summary: "The site's map: a GeoJSON FeatureCollection (WGS 84) of perimeter, zone and sensor features",
    tags: ['sites'],
    auth: 'bearer',
    scope: SCOPE,
    params: siteParams,
    query: NoQuerySchema,
    responses: {
      200: { description: 'The map', schema: SiteMapViewSchema, example: SITE_MAP_EXAMPLE },
      404: errorResponse('No such site, or no map set'),
    },
  }),
  putMap: route({
    method: 'put',
    path: '/sites/{id}/map',
    operationId: 'setSiteMap',
    summary: 'Set the site map (audited as site.map-set)',
    description:
      'A FeatureCollection whose features have properties.kind perimeter (Polygon), zone (Polygon, properties.zone) or sensor ' +
      '(Point, properties.sensorId); positions [lon, lat] in WGS 84, rings closed, at most 500 features; other properties are kept.',
    tags: ['sites'],
    auth: 'bearer',
    roles: ['admin'],
    params: siteParams,
    body: SiteMapSchema,
    responses: {
      200: { description: 'The map as stored', schema: SiteMapViewSchema, example: SITE_MAP_EXAMPLE },
      404: noSite,
    },
  }),
  createGateway: route({
    method: 'post',
    path: '/sites/{id}/gateways',
    operationId: 'createGateway',
    summary: 'Create a gateway, or issue a secret to one first seen on MQTT',
    description: 'The answer holds its secret (the HMAC key of signed events) and broker credentials, shown this once.',
    tags: ['sites'],
    auth: 'bearer',
    roles: ['admin'],
    params: siteParams,
    body: CreateGatewaySchema,
    responses: {
      201: {
        description: 'The gateway with its secret',
        schema: GatewayCredentialsSchema,
        example: CREDENTIALS_EXAMPLE,
      },
      404: noSite,
      409: errorResponse('The gateway already has a secret (rotate it instead)'),
    },
  }),
  rotateSecret: route({
    method: 'post',
    path: '/sites/{id}/gateways/{gatewayId}/secret',
    operationId: 'rotateGatewaySecret',
    summary: "Replace a gateway's secret; the new one is shown this once",
    description: 'Regenerate the broker files afterwards.',
    tags: ['sites'],
    auth: 'bearer',
    roles: ['admin'],
    params: { id: IdentifierSchema, gatewayId: IdentifierSchema },
    responses: {
      200: {
        description: 'The gateway with its new secret',
        schema: GatewayCredentialsSchema,
        example: CREDENTIALS_EXAMPLE,
      },
      404: errorResponse('No such site or gateway'),
    },
  }),
};
