import { ApiModule } from './api.module';
import { MQTT_CHANNELS } from './ingestion/mqtt.channels';
import { LIVE_CHANNELS } from './live/live.channels';
import { asyncApiDocument } from './platform/asyncapi';
import { openApiDocument, type ApiTag } from './platform/openapi';
import { collectRouteContracts, controllersOf } from './platform/route-contract';

/** The groups of the REST API, in the order the document lists them. */
const API_TAGS: ApiTag[] = [
  { name: 'auth', description: 'Logging in and out; access and refresh tokens' },
  { name: 'incidents', description: 'Incidents: search, detail, lifecycle actions, export and statistics' },
  { name: 'events', description: 'Accepted and rejected gateway input' },
  {
    name: 'sites',
    description: 'The registry of sites, gateways and sensors; site maps; gateway health and blind zones',
  },
  {
    name: 'posture',
    description: 'Site threat posture: levels set by leads, floors set by admins, acknowledged by operators',
  },
  {
    name: 'material',
    description: 'Material records from weighbridges, gates and dispatch, and the discrepancies reconciliation finds',
  },
  {
    name: 'sharing',
    description:
      'Partner accounts and the release of indicators above TLP:GREEN (the partners read /taxii2/ and /misp/)',
  },
  {
    name: 'silences',
    description: 'Silences and the sites’ own (authorized) drones: what is stored but raises nothing',
  },
  { name: 'rules', description: 'The loaded correlation rules and backtests' },
  { name: 'audit', description: 'The audit record and its hash-chain check' },
  { name: 'evidence', description: 'Evidence bundles, chain checks and the evidence public keys' },
  { name: 'users', description: 'Accounts and failed-login throttles (admins)' },
  { name: 'operations', description: 'Dead letters: events whose fold failed every attempt' },
  { name: 'health', description: 'Probes and metrics (never rate limited)' },
];

/**
 * The REST API's OpenAPI document, generated from the route contracts of every controller the
 * API module mounts (a handler without one makes this throw, so a route cannot go undocumented).
 */
export function restApiDocument(): Record<string, unknown> {
  return openApiDocument(collectRouteContracts(controllersOf(ApiModule)), API_TAGS);
}

/** The MQTT topics and /live events, in the order the AsyncAPI document lists them. Add a channel to its feature's list. */
const CHANNELS = [...MQTT_CHANNELS, ...LIVE_CHANNELS];

/** The AsyncAPI 3.0 document of the MQTT topics (under the configured prefix) and the /live events. */
export function messagingDocument(mqttTopicPrefix: string): Record<string, unknown> {
  return asyncApiDocument(CHANNELS, { mqttTopicPrefix });
}
