import type { Browser } from 'playwright-core';
import { aTheftEvent } from '../factories/events';
import { boardItems, connection, launchChromium, openConsole } from '../support/browser';
import { oreGuardForFile } from '../support/oreguard-for-file';

/**
 * Access tokens that live 2 s, and sessions that end after 5 s unused: the console renews its
 * token silently (REST and /live alike) while it is in use, and once the session has run out
 * (here: the laptop off the network for longer) brings the sign-in back with the reason, never
 * a blank page.
 */
describe('the console as its session runs out', () => {
  const og = oreGuardForFile('console-session', {
    env: { JWT_EXPIRES_IN_S: '2', REFRESH_TOKEN_EXPIRES_IN_S: '5' },
    untilIngesting: true,
  });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the board live across expired access tokens, then asks to sign in again', async () => {
    const gateway = await og.gateway('kolwezi-1');
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password');
    // Past the access token's life: /live was cut when it expired, and the console came back with a new one.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await gateway.publish(aTheftEvent({ zone: 'gate-late' }));
    await boardItems(page, 'gate-late').waitFor({ timeout: 5000 });
    await connection(page).filter({ hasText: 'Live' }).waitFor({ timeout: 5000 });
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);

    // Off the network past the session's life: back online, the refresh is refused and the sign-in form is back.
    await page.context().setOffline(true);
    await connection(page).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 6000));
    await page.context().setOffline(false);
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'sign in again' }).waitFor();
    await page.getByLabel('Username').waitFor();
  });
});
