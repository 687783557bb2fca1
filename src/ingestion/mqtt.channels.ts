import { CanonicalEventSchema } from 'src/domain/events/canonical-event.schema';
import { ConfirmationMessageSchema } from 'src/domain/events/confirmation.schema';
import { GatewayStatusSchema } from 'src/domain/events/gateway-status.schema';
import { SuricataAlertRecordSchema } from 'src/domain/events/suricata-record';
import { RemoteIdPayloadSchema } from 'src/domain/remote-id/remote-id-report';
import { MaterialConfirmationSchema } from 'src/domain/material/material-confirmation.schema';
import { MaterialRecordSchema } from 'src/domain/material/material-record.schema';
import type { ChannelDeclaration } from 'src/platform/asyncapi';

const gateway = { siteId: 'The site; the broker ACL makes it the publisher’s', gatewayId: 'The gateway publishing' };
const sensor = { ...gateway, sensorId: 'The sensor behind the gateway' };
const acked =
  'QoS 1: acknowledged only once committed to PostgreSQL (or kept as a rejected event). With an MQTT 5 responseTopic and ' +
  'correlationData, OreGuard also confirms on the gateway’s acks topic.';

/** The MQTT topics of contract §1, as OreGuard parses them (src/domain/events). */
export const MQTT_CHANNELS: ChannelDeclaration[] = [
  {
    id: 'gatewayEvents',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/events',
    description: `One canonical event (JSON object, at most 64 KiB). ${acked}`,
    parameters: gateway,
    action: 'receive',
    operationId: 'receiveCanonicalEvent',
    summary: 'Validate, store and fold a gateway’s canonical event',
    mqtt: { qos: 1 },
    messages: [
      {
        name: 'CanonicalEvent',
        title: 'Canonical event',
        summary: 'A drone, cyber or theft event: exactly the object its kind names; unknown fields are rejected',
        schema: CanonicalEventSchema,
        io: 'input',
        example: {
          eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11',
          sensorId: 'rf-mast-2',
          kind: 'drone',
          occurredAt: '2026-11-29T03:12:44.120+01:00',
          severity: 'high',
          zone: 'tailings-east',
          seq: 88231,
          drone: { detection: 'rf', position: { lat: -10.7152, lon: 25.4713, altM: 120 }, trackId: 't-17' },
        },
      },
    ],
  },
  {
    id: 'suricataRecords',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/suricata/{sensorId}',
    description: `One Suricata EVE JSON record as the IDS writes it; event_type alert records become cyber events, others are counted and dropped. ${acked}`,
    parameters: sensor,
    action: 'receive',
    operationId: 'receiveSuricataRecord',
    summary: 'Turn a Suricata alert into a cyber event',
    mqtt: { qos: 1 },
    messages: [
      {
        name: 'SuricataAlert',
        title: 'Suricata EVE alert record',
        summary: 'The fields OreGuard uses; Suricata writes many more, which are kept in the raw payload',
        schema: SuricataAlertRecordSchema,
        io: 'input',
        example: {
          timestamp: '2026-11-29T03:12:44.120118+0100',
          flow_id: 1733520120000123,
          event_type: 'alert',
          src_ip: '10.20.0.77',
          src_port: 51544,
          dest_ip: '10.30.1.5',
          dest_port: 502,
          proto: 'TCP',
          alert: {
            action: 'allowed',
            gid: 1,
            signature_id: 2100498,
            rev: 7,
            signature: 'Modbus write to PLC from IT network',
            category: 'Attempted Administrator Privilege Gain',
            severity: 1,
          },
        },
      },
    ],
  },
  {
    id: 'remoteIdMessages',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/remoteid/{sensorId}',
    description: `Raw ASTM F3411 / OpenDroneID messages as a receiver heard them; decoded, and assembled per transmitter into drone events. ${acked}`,
    parameters: sensor,
    action: 'receive',
    operationId: 'receiveRemoteIdMessages',
    summary: 'Decode Remote ID messages and assemble drone events',
    mqtt: { qos: 1 },
    messages: [
      {
        name: 'RemoteIdReport',
        title: 'Remote ID report',
        summary: 'The 25-byte messages (or message packs), hex, one transmitter',
        schema: RemoteIdPayloadSchema,
        io: 'input',
        example: {
          receivedAt: '2026-11-29T03:12:44.120+01:00',
          transmitter: 'a4:cf:12:9b:00:01',
          rssi: -71,
          transport: 'ble',
          messages: ['0212000000000000000000000000000000000000000000000000'],
        },
      },
    ],
  },
  {
    id: 'materialRecords',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/material',
    description:
      'Material movement from weighbridge indicators, gate and plate readers, the dispatch system and surveys: weighing.ticket, weighing.instrument, ' +
      'gate.passage, dispatch.manifest, stockpile.survey (the exact fields are in the schema). Stored like events (validated, rejected with reasons, ' +
      'idempotent per recordId, durable before the PUBACK), then reconciled into material_discrepancy theft events.',
    parameters: gateway,
    action: 'receive',
    operationId: 'receiveMaterialRecord',
    summary: 'Store a material record and reconcile it',
    mqtt: { qos: 1 },
    messages: [
      {
        name: 'MaterialRecord',
        title: 'Material record',
        summary: 'One record of material movement, by its type',
        schema: MaterialRecordSchema,
        io: 'input',
        example: {
          type: 'gate.passage',
          recordId: 'gp-20261205-0112',
          at: '2026-12-05T02:12:00+01:00',
          zone: 'main-gate',
          gateId: 'main-gate',
          plate: 'KZ-4471',
          direction: 'out',
          loaded: true,
        },
      },
    ],
  },
  {
    id: 'gatewayStatus',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/status',
    description:
      'Retained: sent on change and as a heartbeat; gateways set offline as their MQTT last will. Reports are ordered by `at`: ' +
      'one not newer than the newest applied changes nothing, and one whose `at` is more than EVENT_MAX_FUTURE_MS ahead is ' +
      'rejected (reason future, kept as a rejected event), since it would make every true report after it stale.',
    parameters: gateway,
    action: 'receive',
    operationId: 'receiveGatewayStatus',
    summary: 'Track gateway and sensor health (blind zones, sensor-health incidents)',
    mqtt: { qos: 1, retain: true },
    messages: [
      {
        name: 'GatewayStatus',
        title: 'Gateway status',
        summary: 'The gateway’s state and its sensors’',
        schema: GatewayStatusSchema,
        io: 'input',
        example: {
          state: 'online',
          at: '2026-11-29T03:12:00+01:00',
          sensors: [{ sensorId: 'rf-mast-2', state: 'ok' }],
        },
      },
    ],
  },
  {
    id: 'gatewayAcks',
    server: 'mqtt',
    address: 'sites/{siteId}/gateways/{gatewayId}/acks',
    description:
      'End-to-end confirmation (MQTT 5): once a message published with a responseTopic is committed or rejected, OreGuard answers here, ' +
      'with the same correlationData, whatever responseTopic named. The gateway keeps each event until confirmed and resends after a timeout.',
    parameters: gateway,
    action: 'send',
    operationId: 'sendConfirmation',
    summary: 'Confirm a committed or rejected message to the gateway that published it',
    mqtt: { qos: 1 },
    messages: [
      {
        name: 'Confirmation',
        title: 'Confirmation',
        summary: 'stored, duplicate or rejected (with the reason)',
        schema: ConfirmationMessageSchema,
        io: 'output',
        example: { status: 'stored', eventId: '5b0c9a63-4f3e-4c55-9b1e-2f1a0c7d9e11' },
      },
      {
        name: 'MaterialConfirmation',
        title: 'Material record confirmation',
        summary: 'stored, duplicate or rejected (with the reason), by recordId',
        schema: MaterialConfirmationSchema,
        io: 'output',
        example: { status: 'stored', recordId: 'gp-20261205-0112' },
      },
    ],
  },
];
