import type { Browser, Page } from 'playwright-core';
import { aTheftEvent } from '../factories/events';
import { boardItems, connection, launchChromium, openConsole } from '../support/browser';
import { untilIngesting } from '../support/ingest-ready';
import { TestGateway } from '../support/mqtt-gateway';
import { freePort, OreGuardProcess } from '../support/oreguard';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * A console stays open while OreGuard is stopped and started again, with events published
 * before, during and after: once it is back, the board shows every one of them, once, without a
 * reload: the console resumed after the last seq it had.
 */
const SITE = 'kolwezi-1';

describe('the console across an OreGuard restart', () => {
  let ctx: TestContext;
  let oreguard: OreGuardProcess;
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  let n = 0;
  // Each event its own incident: more than INCIDENT_GAP_MS apart.
  const breach = (zone: string) =>
    aTheftEvent({ zone, occurredAt: new Date(Date.now() - 120_000 + n++ * 2_000).toISOString() });

  beforeAll(async () => {
    ctx = await createTestContext('console-restart');
    oreguard = new OreGuardProcess(ctx.env({ PORT: String(await freePort()), INCIDENT_GAP_MS: '1000' }));
    await oreguard.start();
    await untilIngesting(ctx.topicPrefix, ctx.db);
    gateway = await TestGateway.connect(ctx.topicPrefix, SITE, 'gw-1');
    browser = await launchChromium();
    page = await openConsole(browser, oreguard.baseUrl, 'admin', 'admin-password');
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close().catch(() => undefined);
    await oreguard?.stop('SIGKILL');
    await ctx?.dispose();
  });

  it('shows every event published before, during and after the restart, once, without a reload', async () => {
    const zones: string[] = [];
    const publish = async (label: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const zone = `${label}-${i}`;
        zones.push(zone);
        await gateway.publish(breach(zone));
      }
    };
    await publish('before', 3);
    await boardItems(page, `${SITE}, before-2`).waitFor({ timeout: 5000 });
    await page.evaluate('void (window.__sameDocument = true)');

    const stopping = oreguard.stop('SIGTERM');
    await publish('stopping', 3);
    expect(await stopping).toBe(0);
    await connection(page).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
    await publish('stopped', 5);

    await oreguard.start();
    await publish('after', 3);
    await connection(page).filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    for (const zone of zones) await boardItems(page, `${SITE}, ${zone}:`).waitFor({ timeout: 15_000 });

    expect(await boardItems(page, `${SITE},`).count()).toBe(zones.length);
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0); // no gap, no error
  }, 90_000);
});
