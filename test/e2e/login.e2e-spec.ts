import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

describe('logging in', () => {
  const og = oreGuardForFile('login', { env: { LOGIN_MAX_FAILURES: '5', LOGIN_RATE_PER_MINUTE: '12' } });

  const attempt = async (username: string, password: string) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return { status: res.status, body: (await res.json()) as { message: string; accessToken?: string } };
  };

  it('locks an account after a run of failures, even against the right password; then limits the address', async () => {
    const admin = await login(og.oreguard.baseUrl); // attempt 1 from this address
    const created = await fetch(`${og.oreguard.baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lead-1', password: 'a-long-password', role: 'lead' }),
    });
    expect(created.status).toBe(201);

    for (let i = 0; i < 5; i++) {
      expect(await attempt('lead-1', 'wrong-password')).toMatchObject({ status: 401, body: { message: 'Invalid username or password' } });
    }
    const locked = await attempt('lead-1', 'a-long-password'); // attempt 7
    expect(locked.status).toBe(429);
    expect(locked.body.accessToken).toBeUndefined();
    expect(locked.body.message).toMatch(/locked/);

    // An unknown user fails the same way as a wrong password: usernames cannot be probed.
    for (let i = 8; i <= 12; i++) {
      expect(await attempt('nobody', 'whatever')).toMatchObject({ status: 401, body: { message: 'Invalid username or password' } });
    }
    expect(await attempt('admin', 'admin-password')).toMatchObject({ status: 429, body: { message: expect.stringMatching(/this address/) } });
  });
});
