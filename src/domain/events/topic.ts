import { describeValue } from './describe-value';
import { IDENTIFIER_PATTERN, isIdentifier } from './identifiers';

export type TopicRouteType = 'events' | 'material' | 'suricata' | 'remoteid' | 'status' | 'acks';

export interface TopicRoute {
  type: TopicRouteType;
  siteId: string;
  gatewayId: string;
  /** Only on `suricata` and `remoteid` topics. */
  sensorId?: string;
}

export type TopicResult = { ok: true; route: TopicRoute } | { ok: false; reason: string };

const GATEWAY_LEAVES = ['events', 'material', 'status', 'acks'] as const;
const SENSOR_LEAVES = ['suricata', 'remoteid'] as const;
const MAX_TOPIC_SHOWN = 200;

/**
 * Reads a topic after `${prefix}/` (contract §1):
 * `sites/{siteId}/gateways/{gatewayId}/events|material|status|acks` and
 * `sites/{siteId}/gateways/{gatewayId}/suricata|remoteid/{sensorId}`.
 * The broker's ACL makes the site and gateway in the topic the publisher's identity.
 */
export function parseTopic(prefix: string, topic: string): TopicResult {
  const head = normalisePrefix(prefix);
  const noPattern: TopicResult = {
    ok: false,
    reason: `topic: ${describeValue(topic, MAX_TOPIC_SHOWN)} fits no OreGuard topic pattern`,
  };
  if (!topic.startsWith(head)) return noPattern;
  const parts = topic.slice(head.length).split('/');
  const [sites, siteId, gateways, gatewayId, leaf, sensorId] = parts;
  if (sites !== 'sites' || gateways !== 'gateways' || siteId === undefined || gatewayId === undefined) return noPattern;

  let route: TopicRoute;
  if (parts.length === 5 && isOneOf(GATEWAY_LEAVES, leaf)) {
    route = { type: leaf, siteId, gatewayId };
  } else if (parts.length === 6 && isOneOf(SENSOR_LEAVES, leaf) && sensorId !== undefined) {
    route = { type: leaf, siteId, gatewayId, sensorId };
  } else {
    return noPattern;
  }

  for (const [name, value] of [
    ['siteId', siteId],
    ['gatewayId', gatewayId],
    ['sensorId', sensorId],
  ] as const) {
    if (value !== undefined && !isIdentifier(value)) {
      return { ok: false, reason: `topic: ${name} ${describeValue(value)} must match ${IDENTIFIER_PATTERN.source}` };
    }
  }
  return { ok: true, route };
}

/** Where OreGuard answers a gateway's MQTT 5 requests for end-to-end confirmation. */
export function acksTopic(prefix: string, siteId: string, gatewayId: string): string {
  return `${normalisePrefix(prefix)}sites/${siteId}/gateways/${gatewayId}/acks`;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function isOneOf<T extends string>(options: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (options as readonly string[]).includes(value);
}
