import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Db } from 'src/database/db';
import type { Role } from './principal';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  siteIds: string[];
  disabled: boolean;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  site_ids: string[];
  disabled: boolean;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  siteIds: r.site_ids,
  disabled: r.disabled,
});

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
}
