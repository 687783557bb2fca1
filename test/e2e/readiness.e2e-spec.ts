import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/password-hash';
import { startInProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

/**
 * Readiness waits for the bootstrap admin: an OreGuard nobody can administer (no admin to
 * register sites, gateways and users) is not ready, and says what is missing.
 */
describe('readiness before and after an admin account exists', () => {
  let ctx: TestContext;
  let oreguard: Awaited<ReturnType<typeof startInProcess>> | undefined;

  beforeAll(async () => {
    ctx = await createTestContext('readiness');
    // Started without OREGUARD_ADMIN_USERNAME / OREGUARD_ADMIN_PASSWORD (empty is unset).
    oreguard = await startInProcess(ctx.env({ OREGUARD_ADMIN_USERNAME: '', OREGUARD_ADMIN_PASSWORD: '' }));
  });

  afterAll(async () => {
    await oreguard?.close();
    await ctx?.dispose();
  });

  const ready = async () => {
    const res = await fetch(`${oreguard!.baseUrl}/api/v1/health/ready`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it('answers 503 naming the missing admin while every service is up, then 200 once an admin exists', async () => {
    const before = await waitFor(
      async () => {
        const r = await ready();
        return r.body.checks.mqtt === 'up' ? r : undefined;
      },
      { what: 'OreGuard to reach the broker' },
    );
    expect(before).toEqual({
      status: 503,
      body: {
        status: 'unavailable',
        checks: {
          postgres: 'up',
          admin: expect.stringMatching(/^missing: no admin account yet/),
          redis: 'up',
          mqtt: 'up',
        },
      },
    });

    // An operator or lead is not enough.
    const addUser = async (role: string) =>
      ctx.db.query(`INSERT INTO users (id, username, password_hash, role) VALUES ($1, $2, $3, $4)`, [
        randomUUID(),
        `${role}-1`,
        await hashPassword('long-enough-password'),
        role,
      ]);
    await addUser('lead');
    expect((await ready()).status).toBe(503);

    await addUser('admin');
    expect(await ready()).toEqual({
      status: 200,
      body: { status: 'ok', checks: { postgres: 'up', admin: 'up', redis: 'up', mqtt: 'up' } },
    });
  });

  it('keeps PostgreSQL up and names the admin check when PostgreSQL answers the question with an error', async () => {
    await ctx.db.query('ALTER TABLE users RENAME TO users_away');
    try {
      expect(await ready()).toEqual({
        status: 503,
        body: {
          status: 'unavailable',
          checks: { postgres: 'up', admin: 'down: relation "users" does not exist', redis: 'up', mqtt: 'up' },
        },
      });
    } finally {
      await ctx.db.query('ALTER TABLE users_away RENAME TO users');
    }
    expect((await ready()).status).toBe(200);
  });
});
