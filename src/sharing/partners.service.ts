import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AuditService } from 'src/audit/audit.service';
import { DUMMY_HASH, hashPassword, verifyPassword } from 'src/auth/password-hash';
import type { Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { PartnerProjectionSchema, type PartnerProjection } from 'src/domain/sharing/partner-projection';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { newPartnerSecret, partnerToken, type PartnerCredentials } from './partner-credentials';
import { PARTNER_NAME, type CreatePartner, type UpdatePartner } from './partners.http';

interface PartnerRow {
  id: string;
  name: string;
  projection: unknown;
  secret_hash: string;
  disabled: boolean;
  created_at: Date;
  created_by: string;
  updated_at: Date;
}

/** A partner as TAXII and the MISP feed see it: who, and what it may receive. */
export interface Partner {
  id: string;
  name: string;
  projection: PartnerProjection;
}

export function partnerView(row: PartnerRow) {
  return {
    id: row.id,
    name: row.name,
    projection: PartnerProjectionSchema.parse(row.projection),
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
  };
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins manage partners');
}

/**
 * Partner accounts: organisations that pull shared indicators over TAXII or the MISP feed. They
 * are not users: a partner's credentials open nothing under /api/v1, a user's nothing under /taxii2/.
 */
@Injectable()
export class PartnersService {
  private readonly logger = new Logger(PartnersService.name);
  /**
   * Secrets argon2 has already accepted, by digest of (stored hash, secret): a TAXII client pages
   * with many requests, and argon2 is slow on purpose. The row is still read on every request,
   * so a disabled partner or a rotated secret stops at once.
   */
  private readonly verified = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal) {
    requireAdmin(principal);
    const rows = await this.db.query<PartnerRow>('SELECT * FROM partners ORDER BY name');
    return { items: rows.map(partnerView) };
  }

  async create(principal: Principal, spec: CreatePartner, ip?: string) {
    requireAdmin(principal);
    const secret = newPartnerSecret();
    const now = this.clock.now();
    const id = randomUUID();
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<PartnerRow>(
        `INSERT INTO partners (id, name, projection, secret_hash, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $5) ON CONFLICT (name) DO NOTHING RETURNING *`,
        [id, spec.name, JSON.stringify(spec.projection), await hashPassword(secret), now, principal.username],
      );
      if (!rows[0]) throw new ApplicationError('resource.conflict', `name: a partner ${spec.name} exists`);
      await this.audit.record(
        {
          actor: principal,
          action: 'partner.created',
          target: id,
          details: { name: spec.name, projection: spec.projection },
          ip,
        },
        tx,
      );
      return rows[0];
    });
    this.logger.log(`Partner ${spec.name} (${id}) created by ${principal.username}`);
    return { ...partnerView(row), secret, token: partnerToken(id, secret) };
  }

  async update(principal: Principal, id: string, change: UpdatePartner, ip?: string) {
    requireAdmin(principal);
    const secret = change.rotateSecret ? newPartnerSecret() : undefined;
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<PartnerRow>(
        `UPDATE partners SET projection = coalesce($2, projection), disabled = coalesce($3, disabled),
                secret_hash = coalesce($4, secret_hash), updated_at = $5
          WHERE id = $1 RETURNING *`,
        [
          id,
          change.projection ? JSON.stringify(change.projection) : null,
          change.disabled ?? null,
          secret ? await hashPassword(secret) : null,
          this.clock.now(),
        ],
      );
      if (!rows[0]) throw new ApplicationError('resource.not-found', `No partner ${id}`);
      await this.audit.record(
        {
          actor: principal,
          action: 'partner.updated',
          target: id,
          details: { projection: change.projection, disabled: change.disabled, secretRotated: Boolean(secret) },
          ip,
        },
        tx,
      );
      return rows[0];
    });
    return { ...partnerView(row), ...(secret ? { secret, token: partnerToken(id, secret) } : {}) };
  }

  /**
   * The enabled partner these credentials belong to, or undefined (checked on every request).
   * An unknown or disabled partner's secret is verified against a dummy hash all the same, so
   * timing does not tell which partner names exist.
   */
  async authenticate(credentials: PartnerCredentials): Promise<Partner | undefined> {
    const [row] =
      credentials.by === 'id'
        ? await this.db.query<PartnerRow>('SELECT * FROM partners WHERE id = $1', [credentials.id])
        : PARTNER_NAME.test(credentials.name)
          ? await this.db.query<PartnerRow>('SELECT * FROM partners WHERE name = $1', [credentials.name])
          : [];
    if (!row || row.disabled) {
      await verifyPassword(DUMMY_HASH, credentials.secret);
      return undefined;
    }
    const digest = createHash('sha256')
      .update(row.secret_hash)
      .update('\0')
      .update(credentials.secret)
      .digest('base64');
    if (!this.verified.has(digest)) {
      if (!(await verifyPassword(row.secret_hash, credentials.secret))) return undefined;
      if (this.verified.size >= 1000) this.verified.clear();
      this.verified.add(digest);
    }
    return { id: row.id, name: row.name, projection: PartnerProjectionSchema.parse(row.projection) };
  }
}
