import { listOf, pageOf } from 'src/platform/page.http';
import { route } from 'src/platform/route-contract';
import {
  AuditEntrySchema,
  AuditQuerySchema,
  CHAIN_REPORT_EXAMPLE,
  ChainReportSchema,
  EvidenceKeySchema,
} from './audit.http';

const AUDIT_ENTRY_EXAMPLE = {
  id: 311,
  seq: 311,
  at: '2026-11-29T03:14:07.512Z',
  actor: 'amani',
  actorId: '7c0e2a5b-3f1d-4e8a-9b6c-2d4f6a8b0c1e',
  action: 'auth.login',
  target: null,
  details: {},
  ip: '10.20.0.14',
  prevHash: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
  hash: '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a',
};

export const auditRoutes = {
  list: route({
    method: 'get',
    path: '/audit',
    operationId: 'listAuditEntries',
    summary: 'The audit record: logins and failed logins, account changes, exports…, newest first',
    tags: ['audit'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    query: AuditQuerySchema,
    responses: {
      200: {
        description: 'A page of audit entries',
        schema: pageOf(AuditEntrySchema),
        example: { items: [AUDIT_ENTRY_EXAMPLE], nextCursor: null },
      },
    },
  }),
  verify: route({
    method: 'get',
    path: '/audit/verify',
    operationId: 'verifyAuditChain',
    summary: "Recompute the audit record's hash chain and hold it to its latest signed checkpoint",
    description: 'Intact, or the first broken entry (or the entries missing from its head) and why.',
    tags: ['audit'],
    auth: 'bearer',
    roles: ['lead', 'admin'],
    responses: { 200: { description: 'The chain check', schema: ChainReportSchema, example: CHAIN_REPORT_EXAMPLE } },
  }),
};

export const evidenceKeyRoutes = {
  list: route({
    method: 'get',
    path: '/evidence/keys',
    operationId: 'listEvidenceKeys',
    summary: 'The evidence public keys, current and retired, newest first',
    description: 'Public keys, for whoever checks a bundle; pin the fingerprint out of band.',
    tags: ['evidence'],
    auth: 'none',
    responses: {
      200: {
        description: 'The keys',
        schema: listOf(EvidenceKeySchema),
        example: {
          items: [
            {
              keyId: '3c5e9a0d1b2f4e6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b',
              fingerprint: '3c5e9a0d1b2f4e6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b',
              algorithm: 'Ed25519',
              publicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----\n',
              origin: 'generated',
              createdAt: '2026-11-01T08:00:00.000Z',
              retiredAt: null,
              current: true,
            },
          ],
        },
      },
    },
  }),
};
