import { randomBytes } from 'node:crypto';
import { aDroneEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { restClient } from '../support/rest-client';
import { waitFor } from '../support/wait-for';

describe('the site and gateway registry over REST', () => {
  const og = oreGuardForFile('gateway-registry', { env: { GATEWAY_SECRET_KEY: randomBytes(32).toString('base64') } });
  let call: ReturnType<typeof restClient>;
  let admin: string;
  let lead: string;
  let operator: string;

  beforeAll(async () => {
    call = restClient(og.oreguard.baseUrl);
    admin = await login(og.oreguard.baseUrl);
    for (const [username, role, siteIds] of [
      ['lead-1', 'lead', []],
      ['op-1', 'operator', ['kolwezi-1']],
    ] as const) {
      expect(
        (await call(admin, 'POST', '/users', { username, password: 'long-enough-password', role, siteIds })).status,
      ).toBe(201);
    }
    lead = await login(og.oreguard.baseUrl, 'lead-1', 'long-enough-password');
    operator = await login(og.oreguard.baseUrl, 'op-1', 'long-enough-password');
  });

  it('registers a site for an admin, once', async () => {
    const created = await call(admin, 'POST', '/sites', {
      id: 'kolwezi-1',
      name: 'Kolwezi concentrator',
      timeZone: 'Africa/Lubumbashi',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'kolwezi-1',
      name: 'Kolwezi concentrator',
      timeZone: 'Africa/Lubumbashi',
    });

    const again = await call(admin, 'POST', '/sites', { id: 'kolwezi-1', name: 'Other', timeZone: 'UTC' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/^id: /);
  });

  it('lets an admin name a site that registered itself by publishing', async () => {
    const gateway = await TestGateway.connect(og.ctx.topicPrefix, 'tarkwa-2', 'gw-1');
    await gateway.publish(aDroneEvent());
    await gateway.close();
    await waitFor(async () => (await og.ctx.db.query("SELECT 1 FROM sites WHERE id = 'tarkwa-2'")).length === 1);

    const claimed = await call(admin, 'POST', '/sites', {
      id: 'tarkwa-2',
      name: 'Tarkwa ore yard',
      timeZone: 'Africa/Accra',
    });
    expect(claimed.status).toBe(201);
    const sites = await call(admin, 'GET', '/sites');
    expect(sites.body.items.find((s: { id: string }) => s.id === 'tarkwa-2')).toMatchObject({
      name: 'Tarkwa ore yard',
      timeZone: 'Africa/Accra',
    });
    expect((await call(admin, 'POST', '/sites', { id: 'tarkwa-2', name: 'Again', timeZone: 'UTC' })).status).toBe(409);
  });

  it('creates a gateway and shows its secret once: never again in the API, and not as such in the database', async () => {
    const created = await call(admin, 'POST', '/sites/kolwezi-1/gateways', { id: 'gw-1', requireSigned: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      siteId: 'kolwezi-1',
      gatewayId: 'gw-1',
      requireSigned: true,
      mqttUsername: 'kolwezi-1.gw-1',
    });
    const { secret, mqttPassword } = created.body as { secret: string; mqttPassword: string };
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(mqttPassword).toMatch(/^[0-9a-f]{64}$/);
    expect(mqttPassword).not.toBe(secret);

    const again = await call(admin, 'POST', '/sites/kolwezi-1/gateways', { id: 'gw-1' });
    expect(again.status).toBe(409);
    for (const path of ['/sites', '/sites/kolwezi-1/sensors']) {
      const res = await call(admin, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(mqttPassword);
    }
    const sites = await call(admin, 'GET', '/sites');
    const kolwezi = sites.body.items.find((s: { id: string }) => s.id === 'kolwezi-1');
    expect(kolwezi.gateways).toEqual([
      expect.objectContaining({ id: 'gw-1', requireSigned: true, secretIssuedAt: expect.any(String) }),
    ]);

    const [row] = await og.ctx.db.query<{ secret_ciphertext: string }>(
      "SELECT secret_ciphertext FROM gateways WHERE site_id = 'kolwezi-1' AND id = 'gw-1'",
    );
    expect(row.secret_ciphertext).toMatch(/^v1\./);
    expect(row.secret_ciphertext).not.toContain(secret);
    expect(row.secret_ciphertext).not.toContain(Buffer.from(secret, 'hex').toString('base64url'));
  });

  it('issues a secret to a gateway that so far only published, and rotates a secret', async () => {
    const issued = await call(admin, 'POST', '/sites/tarkwa-2/gateways', { id: 'gw-1' });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ gatewayId: 'gw-1', requireSigned: false });

    const rotated = await call(admin, 'POST', '/sites/tarkwa-2/gateways/gw-1/secret');
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.body.secret).not.toBe(issued.body.secret);
    expect((await call(admin, 'POST', '/sites/tarkwa-2/gateways/gw-404/secret')).status).toBe(404);
  });

  it('refuses a gateway on a site that does not exist', async () => {
    const res = await call(admin, 'POST', '/sites/nowhere/gateways', { id: 'gw-1' });
    expect(res.status).toBe(404);
  });

  it.each([
    ['POST', '/sites', { id: 'mine-9', name: 'Mine 9', timeZone: 'UTC' }],
    ['POST', '/sites/kolwezi-1/gateways', { id: 'gw-7' }],
    ['POST', '/sites/kolwezi-1/gateways/gw-1/secret', undefined],
  ])('refuses %s %s to leads and operators (403), and changes nothing', async (method, path, body) => {
    for (const token of [lead, operator]) {
      const res = await call(token, method, path, body);
      expect(res.status).toBe(403);
      expect(res.text).not.toMatch(/secret"/);
    }
    expect(
      await og.ctx.db.query(
        "SELECT 1 FROM sites WHERE id = 'mine-9' UNION ALL SELECT 1 FROM gateways WHERE id = 'gw-7'",
      ),
    ).toEqual([]);
  });

  it.each([
    [{ id: 'Kolwezi 1', name: 'x', timeZone: 'UTC' }, /^id: /],
    [{ id: 'mine-9', name: '', timeZone: 'UTC' }, /^name: /],
    [{ id: 'mine-9', name: 'Mine 9', timeZone: 'Mars/Olympus_Mons' }, /^timeZone: .*IANA time zone/],
    [{ id: 'mine-9', name: 'Mine 9', timeZone: 'UTC', secret: 'x' }, /secret/],
  ])('answers a bad site body with 400 naming the field (%j)', async (body, message) => {
    const res = await call(admin, 'POST', '/sites', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('documents the registry operations in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/sites'])).toContain('post');
    expect(doc.paths['/sites/{id}/gateways']).toHaveProperty('post');
    expect(doc.paths['/sites/{id}/gateways/{gatewayId}/secret']).toHaveProperty('post');
  });

  it.each([
    [{ id: 'GW_1' }, /^id: /],
    [{ id: 'gw-8', requireSigned: 'yes' }, /^requireSigned: /],
  ])('answers a bad gateway body with 400 naming the field (%j)', async (body, message) => {
    const res = await call(admin, 'POST', '/sites/kolwezi-1/gateways', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });
});
