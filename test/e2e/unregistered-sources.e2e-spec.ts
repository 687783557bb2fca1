import { randomBytes } from 'node:crypto';
import { aDroneEvent } from '../factories/events';
import { ConfirmingGateway } from '../support/confirming-gateway';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * With INGEST_REQUIRE_REGISTERED (the default in production), an event from a site or gateway
 * no admin registered is answered `rejected`, naming what is unregistered, and kept as a
 * rejected event; once an admin registers them, the gateway's next event is stored.
 */
describe('events from unregistered sites and gateways, when registration is required', () => {
  const og = oreGuardForFile('unregistered-sources', {
    env: { INGEST_REQUIRE_REGISTERED: 'true', GATEWAY_SECRET_KEY: randomBytes(32).toString('base64') },
  });
  let gateway: ConfirmingGateway;

  beforeAll(async () => {
    gateway = await ConfirmingGateway.connect(og.ctx.topicPrefix, 'kolwezi-1', 'gw-new');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const answerTo = (event: { eventId: string }) => {
    gateway.send(event);
    return waitFor(() => gateway.confirmations.get(event.eventId), { what: `OreGuard's answer to ${event.eventId}` });
  };

  it('rejects an event from an unregistered site, keeps it with the reason, and creates no site', async () => {
    const event = aDroneEvent();
    expect(await answerTo(event)).toEqual({
      status: 'rejected',
      eventId: event.eventId,
      reason: 'site: kolwezi-1 is not registered (INGEST_REQUIRE_REGISTERED)',
    });
    expect(
      await og.ctx.db.query(`SELECT site_id, gateway_id, reason FROM rejected_events WHERE payload LIKE $1`, [
        `%${event.eventId}%`,
      ]),
    ).toEqual([
      {
        site_id: 'kolwezi-1',
        gateway_id: 'gw-new',
        reason: 'site: kolwezi-1 is not registered (INGEST_REQUIRE_REGISTERED)',
      },
    ]);
    expect(await og.ctx.db.query(`SELECT 1 FROM sites WHERE id = 'kolwezi-1'`)).toEqual([]);
  });

  it('names the gateway once the site is registered, and stores its events once it is registered too', async () => {
    const admin = await login(og.oreguard.baseUrl);
    expect(
      (await og.rest(admin, 'POST', '/sites', { id: 'kolwezi-1', name: 'Kolwezi', timeZone: 'Africa/Lubumbashi' }))
        .status,
    ).toBe(201);
    expect(await answerTo(aDroneEvent())).toMatchObject({
      status: 'rejected',
      reason: 'gateway: gw-new is not registered at site kolwezi-1 (INGEST_REQUIRE_REGISTERED)',
    });

    expect((await og.rest(admin, 'POST', '/sites/kolwezi-1/gateways', { id: 'gw-new' })).status).toBe(201);
    const event = aDroneEvent();
    expect(await answerTo(event)).toEqual({ status: 'stored', eventId: event.eventId });
  });
});
