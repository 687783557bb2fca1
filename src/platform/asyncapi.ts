import type { z } from 'zod';
import { JsonSchemaCollector } from './json-schema';

/** One message a channel carries: its zod schema (the one that parses it, or that its writer satisfies) and an example. */
export interface MessageDeclaration {
  name: string;
  title: string;
  summary: string;
  schema: z.ZodType;
  /** `input` for what OreGuard parses (as senders may write it), `output` for what it writes. */
  io: 'input' | 'output';
  example: unknown;
}

/**
 * One channel of the AsyncAPI document: an MQTT topic (address after MQTT_TOPIC_PREFIX, with
 * {parameters}) or a /live socket.io event, and what OreGuard does with it. Adding a topic or a
 * live event is adding one of these to its feature's list (src/ingestion/mqtt.channels.ts,
 * src/live/live.channels.ts).
 */
export interface ChannelDeclaration {
  id: string;
  server: 'mqtt' | 'live';
  /** MQTT: the topic after the prefix (`sites/{siteId}/gateways/{gatewayId}/events`); live: the event name. */
  address: string;
  description: string;
  parameters?: Record<string, string>;
  /** From OreGuard's side: it `receive`s what gateways and clients send, and `send`s acks and live messages. */
  action: 'receive' | 'send';
  operationId: string;
  summary: string;
  messages: MessageDeclaration[];
  /** A socket.io acknowledgement (or MQTT answer) the sender gets back. */
  reply?: MessageDeclaration;
  /** MQTT QoS and retain, for the binding. */
  mqtt?: { qos: 0 | 1 | 2; retain?: boolean };
}

export interface AsyncApiOptions {
  mqttTopicPrefix: string;
}

const IDENTIFIER_NOTE = 'matches ^[a-z0-9][a-z0-9_-]{0,63}$';

/**
 * The AsyncAPI 3.0 document served at /docs/asyncapi.json: the MQTT topics gateways publish to
 * and OreGuard answers on, and the /live socket.io events, from the channels' zod schemas.
 */
export function asyncApiDocument(
  channels: readonly ChannelDeclaration[],
  options: AsyncApiOptions,
): Record<string, unknown> {
  const schemas = new JsonSchemaCollector('#/components/schemas/', 'draft-7');
  const prefix = options.mqttTopicPrefix.replace(/\/+$/, '');
  const channelObjects: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const message = (m: MessageDeclaration) => {
    if (messages[m.name]) throw new Error(`Message ${m.name} is declared twice`);
    messages[m.name] = {
      name: m.name,
      title: m.title,
      summary: m.summary,
      contentType: 'application/json',
      payload: schemas.convert(m.schema, m.io),
      examples: [{ name: 'example', payload: m.example }],
    };
    return { $ref: `#/components/messages/${m.name}` };
  };
  for (const c of channels) {
    if (channelObjects[c.id] || operations[c.operationId])
      throw new Error(`Channel ${c.id} or operation ${c.operationId} is declared twice`);
    const address = c.server === 'mqtt' && prefix ? `${prefix}/${c.address}` : c.address;
    const parameters = Object.fromEntries(
      Object.entries(c.parameters ?? {}).map(([name, description]) => [
        name,
        { description: `${description}; ${IDENTIFIER_NOTE}` },
      ]),
    );
    const channelMessages = Object.fromEntries(c.messages.map((m) => [m.name, message(m)]));
    const replyMessage = c.reply && message(c.reply);
    channelObjects[c.id] = {
      address,
      description: c.description,
      messages: channelMessages,
      ...(Object.keys(parameters).length > 0 && { parameters }),
      servers: [{ $ref: `#/servers/${c.server}` }],
      ...(c.mqtt && { bindings: { mqtt: { bindingVersion: '0.2.0' } } }),
    };
    operations[c.operationId] = {
      action: c.action,
      channel: { $ref: `#/channels/${c.id}` },
      summary: c.summary,
      messages: c.messages.map((m) => ({ $ref: `#/channels/${c.id}/messages/${m.name}` })),
      ...(c.mqtt && {
        bindings: { mqtt: { bindingVersion: '0.2.0', qos: c.mqtt.qos, retain: c.mqtt.retain ?? false } },
      }),
      ...(replyMessage && { reply: { messages: [replyMessage] } }),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'OreGuard messaging',
      version: '1',
      description:
        'The MQTT topics site gateways publish to and OreGuard answers on (topic prefix MQTT_TOPIC_PREFIX), and the socket.io ' +
        "namespace /live that pushes incident changes to operators. Operations are from OreGuard's side: it receives what " +
        'gateways and consoles send, and sends acknowledgements and live messages. The REST API is in /docs/openapi.json.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      mqtt: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        protocolVersion: '5',
        description:
          'The broker at MQTT_URL. Each gateway connects as {siteId}.{gatewayId}; its ACL lets it write only its own topics',
        security: [{ $ref: '#/components/securitySchemes/gatewayPassword' }],
      },
      live: {
        host: 'localhost:3000',
        pathname: '/live',
        protocol: 'ws',
        description: 'socket.io namespace /live on the HTTP port (PORT): io(url + "/live", { auth: { token } })',
        security: [{ $ref: '#/components/securitySchemes/liveToken' }],
      },
    },
    channels: channelObjects,
    operations,
    components: {
      messages,
      schemas: schemas.components,
      securitySchemes: {
        gatewayPassword: {
          type: 'userPassword',
          description:
            'MQTT username {siteId}.{gatewayId} and the password POST /sites/{id}/gateways returned (HMAC-SHA256 of the gateway secret)',
        },
        liveToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'An access token from POST /auth/login, sent as auth.token in the socket.io handshake; no valid token, no connection',
        },
      },
    },
  };
}
