import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Db, type Queryable } from 'src/database/db';

/** Channel on which a revoked session's id is announced, so every instance drops its sockets. */
export const SESSION_REVOKED_CHANNEL = 'oreguard_session_revoked';

/** Why a refresh token was refused; `reused` means it had been used before, and its session is now revoked. */
export type RefreshRefusal = 'unknown' | 'expired' | 'revoked' | 'reused';

export type RotateOutcome = { ok: true; sessionId: string; userId: string } | { ok: false; refusal: RefreshRefusal };

/** Revokes every live session of a user (a new password, a disabled account) inside the caller's transaction. */
export async function revokeSessionsOfUser(tx: Queryable, userId: string, reason: string): Promise<void> {
  await tx.query(
    'UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL',
    [userId, reason],
  );
}

/**
 * Sessions (one per login) and their refresh tokens, which are stored only as hashes. A
 * refresh token is used once: rotating marks it used and issues the next; a used token
 * presented again is taken as stolen and revokes the session, whoever holds the newer one.
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async open(userId: string, tokenHash: string, expiresAt: Date): Promise<string> {
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      // Sessions ended more than a day ago serve nothing; clearing the user's own at each login keeps the table small.
      await tx.query(
        `DELETE FROM sessions WHERE user_id = $1 AND (expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day')`,
        [userId],
      );
      await tx.query('INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)', [id, userId, expiresAt]);
      await tx.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [tokenHash, id]);
    });
    return id;
  }

  /** Exchanges a refresh token (by hash) for the next one, extending its session to expiresAt. */
  async rotate(tokenHash: string, nextHash: string, now: Date, expiresAt: Date): Promise<RotateOutcome> {
    return this.db.transaction(async (tx) => {
      // Locks the token and its session: of two concurrent uses of one token, the second sees it used.
      const { rows } = await tx.query<{
        session_id: string;
        user_id: string;
        used_at: Date | null;
        expires_at: Date;
        revoked_at: Date | null;
      }>(
        `SELECT t.session_id, t.used_at, s.user_id, s.expires_at, s.revoked_at
           FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
          WHERE t.token_hash = $1 FOR UPDATE`,
        [tokenHash],
      );
      const row = rows[0];
      if (!row) return { ok: false, refusal: 'unknown' };
      if (row.revoked_at) return { ok: false, refusal: 'revoked' };
      if (row.used_at) {
        await this.revokeIn(tx, row.session_id, 'refresh token reused');
        return { ok: false, refusal: 'reused' };
      }
      if (row.expires_at <= now) return { ok: false, refusal: 'expired' };
      await tx.query('UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1', [tokenHash, now]);
      await tx.query('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)', [
        nextHash,
        row.session_id,
        now,
      ]);
      await tx.query('UPDATE sessions SET expires_at = $2 WHERE id = $1', [row.session_id, expiresAt]);
      return { ok: true, sessionId: row.session_id, userId: row.user_id };
    });
  }

  /** Ends a session: its access and refresh tokens stop working and its sockets close, on every instance. */
  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.db.transaction((tx) => this.revokeIn(tx, sessionId, reason));
  }

  private async revokeIn(tx: Queryable, sessionId: string, reason: string): Promise<void> {
    await tx.query('UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL', [
      sessionId,
      reason,
    ]);
    await tx.query('SELECT pg_notify($1, $2)', [SESSION_REVOKED_CHANNEL, sessionId]);
  }
}
