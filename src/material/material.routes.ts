import { route } from 'src/platform/route-contract';
import {
  MaterialFindingPageSchema,
  MaterialFindingQuerySchema,
  MaterialRecordPageSchema,
  MaterialRecordQuerySchema,
} from './material.http';

const RECORD_EXAMPLE = {
  id: '1842',
  siteId: 'kolwezi-1',
  gatewayId: 'gw-gate',
  recordId: 'T-2026-004211',
  type: 'gate.passage',
  at: '2026-12-05T01:12:00.000Z',
  receivedAt: '2026-12-05T01:12:00.410Z',
  zone: 'haul-road',
  record: {
    type: 'gate.passage',
    recordId: 'T-2026-004211',
    at: '2026-12-05T01:12:00.000Z',
    gate: 'main-gate',
    direction: 'out',
    plate: 'KZ-4471',
    loaded: true,
  },
};
const FINDING_EXAMPLE = {
  siteId: 'kolwezi-1',
  key: 'exit-without-ticket:T-2026-004211',
  rule: 'exit-without-ticket',
  at: '2026-12-05T01:12:00.000Z',
  foundAt: '2026-12-05T01:45:00.000Z',
  zone: 'haul-road',
  summary: 'KZ-4471 left loaded through main-gate with no weighing ticket within 2 h',
  numbers: {},
  tolerance: { kg: null, basis: 'a loaded exit needs a ticket within MATERIAL_EXIT_TICKET_WITHIN_MS' },
  quantityKg: null,
  plate: 'KZ-4471',
  materialCode: null,
  recordIds: ['T-2026-004211'],
  eventId: '6f1d2c3b-4a59-5e6f-8a7b-9c0d1e2f3a4b',
};

export const materialRoutes = {
  records: route({
    method: 'get',
    path: '/material/records',
    operationId: 'listMaterialRecords',
    summary:
      'Material records as gateways published them: weighing tickets, instrument events, gate passages, manifests, stockpile surveys',
    description:
      'Filters siteId, gatewayId, type, from and to (the record time), newest first. Weights and stocks: leads and admins only.',
    tags: ['material'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: MaterialRecordQuerySchema,
    responses: {
      200: {
        description: 'A page of material records',
        schema: MaterialRecordPageSchema,
        example: { items: [RECORD_EXAMPLE], nextCursor: null },
      },
    },
  }),
  findings: route({
    method: 'get',
    path: '/material/findings',
    operationId: 'listMaterialFindings',
    summary:
      'Discrepancies material reconciliation found, each with its numbers, the tolerance that made it one and the theft event it raised',
    description:
      'Tolerances derive from the scales (OIML R 76), never a flat percentage. Filters siteId, rule, from and to, newest first.',
    tags: ['material'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: MaterialFindingQuerySchema,
    responses: {
      200: {
        description: 'A page of findings',
        schema: MaterialFindingPageSchema,
        example: { items: [FINDING_EXAMPLE], nextCursor: null },
      },
    },
  }),
};
