import { z } from 'zod';
import { storableText } from 'src/domain/storable-text';
import { PageSchema, TimeParamSchema } from 'src/platform/query.schemas';

/** GET /audit: newest first; `actor` is a username (or `system`), `action` e.g. `auth.login-failed`. */
export const AuditQuerySchema = z.strictObject({
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  actor: storableText().min(1).max(64).optional(),
  action: storableText()
    .regex(/^[a-z0-9.-]{1,64}$/, 'lowercase letters, digits, . and - only')
    .optional(),
  ...PageSchema,
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

const CheckpointViewSchema = z.object({
  id: z.int(),
  seq: z.int(),
  headHash: z.string(),
  at: z.string(),
  keyId: z.string(),
});

/** What GET /audit/verify and GET /incidents/{id}/verify answer (ChainReport). */
export const ChainReportSchema = z
  .object({
    intact: z.boolean(),
    entries: z.int().min(0).meta({ description: 'Entries that held before any fault' }),
    headHash: z.string().optional().meta({ description: 'Intact only: the hash of the last entry' }),
    firstBroken: z.object({ id: z.string(), seq: z.int(), reason: z.string() }).optional().meta({
      description:
        'Broken only: the first entry that does not hold (id "checkpoint:<id>" when entries are missing from the head)',
    }),
    checkpoint: CheckpointViewSchema.nullable().meta({
      description: 'The latest signed checkpoint the chain was held to (null: none yet)',
    }),
  })
  .meta({ id: 'ChainReport' });

export const CHAIN_REPORT_EXAMPLE = {
  intact: true,
  entries: 42,
  headHash: '9f2c1e0b7a4d3c2b1a09f8e7d6c5b4a39f2c1e0b7a4d3c2b1a09f8e7d6c5b4a3',
  checkpoint: {
    id: 7,
    seq: 40,
    headHash: '4b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
    at: '2026-11-29T03:00:00.000Z',
    keyId: '3c5e…',
  },
};

/** An entry of the audit record, with its place in the record's hash chain. */
export const AuditEntrySchema = z
  .object({
    id: z.int(),
    seq: z.int(),
    at: z.string(),
    actor: z.string().meta({ description: 'A username, or system' }),
    actorId: z.string().nullable(),
    action: z.string().meta({ description: 'Dotted: auth.login, user.created, incidents.exported…' }),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const EvidenceKeySchema = z
  .object({
    keyId: z
      .string()
      .meta({ description: 'The fingerprint: lowercase hex SHA-256 of the 32-byte raw Ed25519 public key' }),
    fingerprint: z.string(),
    algorithm: z.literal('Ed25519'),
    publicKey: z.string().meta({ description: 'PEM (SPKI)' }),
    origin: z.enum(['generated', 'configured']),
    createdAt: z.iso.datetime(),
    retiredAt: z.iso.datetime().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'EvidenceKey' });
