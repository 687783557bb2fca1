import { hashPassword } from '../../src/auth/password-hash';
import { LiveClient, login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const REST_PER_MINUTE = 5;
const WS_PER_MINUTE = 3;
/** Windows are calendar minutes: 2n+1 requests put more than n in one window even if a minute turns meanwhile. */
const ENOUGH_TO_EXCEED = (limit: number) => 2 * limit + 1;

describe('rate limits', () => {
  const og = oreGuardForFile('rate-limits', {
    env: { RATE_LIMIT_REST_PER_MINUTE: String(REST_PER_MINUTE), RATE_LIMIT_WS_PER_MINUTE: String(WS_PER_MINUTE) },
  });

  const get = (path: string, token?: string) =>
    fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers a user over the REST limit with 429, Retry-After and the error shape; another user is not affected', async () => {
    const admin = await login(og.oreguard.baseUrl);
    await og.ctx.db.query(
      `INSERT INTO users (id, username, password_hash, role) VALUES (gen_random_uuid(), 'lead-2', $1, 'lead')`,
      [await hashPassword('lead-password')],
    );
    const lead = await login(og.oreguard.baseUrl, 'lead-2', 'lead-password');

    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < ENOUGH_TO_EXCEED(REST_PER_MINUTE) && !refused; i++) {
      const res = await get('/sites', admin);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.arrayBuffer();
    }
    expect(statuses.slice(0, REST_PER_MINUTE)).toEqual(Array(REST_PER_MINUTE).fill(200));
    expect(refused).toBeDefined();
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused!.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many requests: at most ${REST_PER_MINUTE} a minute; retry in ${retryAfter} s`,
      details: { retryAfterS: retryAfter },
    });

    expect((await get('/sites', lead)).status).toBe(200);
  });

  it('counts the limit in Redis under QUEUE_PREFIX, so every instance shares it', async () => {
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(og.ctx.env().REDIS_URL);
    try {
      const keys = await redis.keys(`${og.ctx.queuePrefix}:ratelimit:rest:user:*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('never limits health and metrics', async () => {
    for (let i = 0; i < ENOUGH_TO_EXCEED(REST_PER_MINUTE); i++) {
      expect((await get('/health/live')).status).toBe(200);
      expect((await get('/metrics')).status).toBe(200);
    }
  });

  it('tells a socket that floods /live it is over the limit, refuses its messages, then disconnects it', async () => {
    const token = await login(og.oreguard.baseUrl, 'lead-2', 'lead-password');
    const client = await LiveClient.connect(og.oreguard.baseUrl, token);
    const errors: { code: string; message: string; retryAfterS?: number }[] = [];
    client.socket.on('error', (e: (typeof errors)[number]) => errors.push(e));
    const replies: unknown[] = [];
    try {
      // Past the allowance the socket has WS_ABUSE_TOLERANCE (10) more refused messages before it is cut off.
      for (let i = 0; i < 2 * (WS_PER_MINUTE + 10) + 1 && client.socket.connected; i++) {
        replies.push(await client.resume({}).catch(() => 'no reply'));
      }
      expect(replies.slice(0, WS_PER_MINUTE)).toEqual(Array(WS_PER_MINUTE).fill({ ok: true, sites: [] }));
      expect(replies).toContainEqual({
        ok: false,
        error: expect.stringMatching(/^Too many messages: at most 3 a minute/),
      });
      await waitFor(() => !client.socket.connected, { what: 'the flooding socket to be disconnected' });
      expect(errors[0]).toMatchObject({ code: 'rate-limited', retryAfterS: expect.any(Number) });
    } finally {
      client.close();
    }
  });

  it('limits requests without a valid token by client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ENOUGH_TO_EXCEED(REST_PER_MINUTE) && !statuses.includes(429); i++) {
      statuses.push((await get('/sites', 'not-a-token')).status);
    }
    expect(statuses[0]).toBe(401);
    expect(statuses).toContain(429);
  });
});
