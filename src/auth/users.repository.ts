import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Db } from 'src/database/db';
import type { Role } from './principal';
import { revokeSessionsOfUser } from './sessions.repository';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  siteIds: string[];
  disabled: boolean;
  tokenVersion: number;
  createdAt: Date;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  site_ids: string[];
  disabled: boolean;
  token_version: number;
  created_at: Date;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  siteIds: r.site_ids,
  disabled: r.disabled,
  tokenVersion: r.token_version,
  createdAt: r.created_at,
});

/** The account as the API shows it: never the hash. */
export function userView(user: User) {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    siteIds: user.siteIds,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

/** Channel on which a changed account is announced, so every instance drops its sockets. */
export const USER_CHANGED_CHANNEL = 'oreguard_user_changed';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findByUsername(username: string): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] && toUser(rows[0]);
  }

  async findById(id: string): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  }

  /**
   * The user behind an access token, only while the token's session is live: one indexed
   * lookup per request, so a logout or revocation refuses the very next request on any instance.
   */
  async findBySession(id: string, sessionId: string): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>(
      `SELECT u.* FROM users u JOIN sessions s ON s.id = $2 AND s.user_id = u.id AND s.revoked_at IS NULL WHERE u.id = $1`,
      [id, sessionId],
    );
    return rows[0] && toUser(rows[0]);
  }

  async list(): Promise<User[]> {
    return (await this.db.query<UserRow>('SELECT * FROM users ORDER BY username')).map(toUser);
  }

  /** Creates the user only if no user exists at all; returns whether it did. */
  async createFirst(username: string, passwordHash: string, role: Role): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO users (id, username, password_hash, role)
       SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [randomUUID(), username, passwordHash, role],
    );
    return rows.length > 0;
  }

  /** Returns undefined when the username is taken. */
  async create(user: {
    username: string;
    passwordHash: string;
    role: Role;
    siteIds: string[];
  }): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>(
      `INSERT INTO users (id, username, password_hash, role, site_ids) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (username) DO NOTHING RETURNING *`,
      [randomUUID(), user.username, user.passwordHash, user.role, user.siteIds],
    );
    return rows[0] && toUser(rows[0]);
  }

  /**
   * Applies the changes; a new password, role or sites, or disabling, revokes the user's
   * access tokens (the token version moves on) and is announced so live sockets close at once.
   * A new password or disabling also ends every session, so no refresh token outlives it;
   * after a role or site change a session refreshes into a token of the new role.
   */
  async update(
    id: string,
    changes: { passwordHash?: string; role?: Role; siteIds?: string[]; disabled?: boolean },
  ): Promise<User | undefined> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<UserRow>(
        `UPDATE users SET password_hash = COALESCE($2, password_hash), role = COALESCE($3, role),
                site_ids = COALESCE($4, site_ids), disabled = COALESCE($5, disabled),
                token_version = token_version + 1, updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, changes.passwordHash ?? null, changes.role ?? null, changes.siteIds ?? null, changes.disabled ?? null],
      );
      if (rows[0] && (changes.passwordHash || changes.disabled)) {
        // Refresh tokens die with the access tokens: a new password or a disabled account ends every session.
        await revokeSessionsOfUser(tx, id, changes.passwordHash ? 'password changed' : 'account disabled');
      }
      if (rows[0]) await tx.query('SELECT pg_notify($1, $2)', [USER_CHANGED_CHANNEL, id]);
      return rows[0] && toUser(rows[0]);
    });
  }
}
