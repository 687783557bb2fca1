import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Principal } from 'src/auth/principal';
import { Db, type Queryable } from 'src/database/db';
import { auditCanonical, type AuditLink } from 'src/domain/audit/canonical-json';
import { Clock } from 'src/platform/clock';
import { decodeCursor, keysetPage } from 'src/platform/cursor';
import { SqlFilter } from 'src/platform/sql-filter';
import type { AuditQuery } from './audit.http';
import { ChainCheckpoints } from './chain-checkpoints';
import { verifyChain, type ChainReport } from './chain-report';
import { AUDIT_CHAIN } from './evidence-signing';

/** Who did it: a signed-in user, a name given at login, or OreGuard itself. */
export type AuditActor = Pick<Principal, 'userId' | 'username'> | { userId?: undefined; username: string } | 'system';

export interface AuditRecord {
  actor: AuditActor;
  /** What happened, dotted: `auth.login`, `user.created`, `incidents.exported`, `silence.created`… */
  action: string;
  /** What it was done to: a user id, an incident id, a site id… */
  target?: string;
  /** Facts about it. Never a password, token or secret. */
  details?: Record<string, unknown>;
  ip?: string;
}

interface AuditRow {
  id: string;
  seq: string;
  at: Date;
  actor: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  details: object;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

function toLink(row: AuditRow): AuditLink & { id: string; hash: string } {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    actorId: row.actor_id,
    action: row.action,
    target: row.target,
    details: row.details,
    ip: row.ip,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The audit record: security-relevant actions, append-only and hash-chained in the database
 * (migration 1764700000000). Appends serialise on one lock until their transaction commits, so
 * record outside long transactions, or as the last step of one.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** For verify (the server has it; the CLI, which only records, does not). */
    @Optional() private readonly checkpoints?: ChainCheckpoints,
  ) {}

  /** Appends an entry, in `tx` when given (then it commits or rolls back with the action). */
  async record(entry: AuditRecord, tx?: Queryable): Promise<void> {
    const actor = entry.actor === 'system' ? { username: 'system', userId: undefined } : entry.actor;
    await (tx ?? this.db.pool).query(
      `INSERT INTO audit_log (at, actor, actor_id, action, target, details, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        this.clock.now(),
        actor.username,
        actor.userId ?? null,
        entry.action,
        entry.target ?? null,
        JSON.stringify(entry.details ?? {}),
        entry.ip ?? null,
      ],
    );
    this.logger.debug(`Audit: ${entry.action} by ${actor.username}${entry.target ? ` on ${entry.target}` : ''}`);
  }

  async list(query: AuditQuery) {
    const filter = new SqlFilter()
      .add('at >= ?', query.from)
      .add('at <= ?', query.to)
      .add('actor = ?', query.actor)
      .add('action = ?', query.action)
      .before('at', 'id', query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined, 'bigint');
    const rows = await this.db.query<AuditRow>(
      `SELECT * FROM audit_log ${filter.where} ORDER BY at DESC, id DESC LIMIT ${filter.param(query.limit + 1)}`,
      filter.params,
    );
    const { page, nextCursor } = keysetPage(rows, query.limit, (r) => [r.at, r.id]);
    return {
      items: page.map((r) => ({ ...toLink(r), id: Number(r.id) })),
      nextCursor,
    };
  }

  /**
   * Recomputes the whole chain, page by page, and holds it to its latest signed checkpoint:
   * intact, or the first broken entry (or the entries missing) and why.
   */
  async verify(): Promise<ChainReport> {
    const checkpoint = await this.checkpoints?.latest(this.db.pool, AUDIT_CHAIN);
    return verifyChain<AuditLink & { id: string; hash: string }>(
      async (afterSeq, limit) =>
        (
          await this.db.query<AuditRow>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [
            afterSeq,
            limit,
          ])
        ).map(toLink),
      auditCanonical,
      checkpoint,
    );
  }
}
