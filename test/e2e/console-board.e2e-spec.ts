import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { aTheftEvent } from '../factories/events';
import {
  boardItems,
  connection,
  launchChromium,
  openConsole,
  screenshot,
  seriousA11yViolations,
  whenShown,
} from '../support/browser';
import { login } from '../support/live-client';
import type { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * The operator console in Debian's Chromium against a real OreGuard, broker and database:
 * served at `/`, sign-in, the live board, the incident detail and its actions seen from a
 * second console, one site's operator kept from another's incidents, and no serious axe-core
 * violation. Everything is found by role and accessible name.
 */
const SITE_A = 'kolwezi-1';
const SITE_B = 'tarkwa-2';
const PASSWORD = 'operator-password';

describe('the operator console', () => {
  // Each theft event here is its own incident: events more than a second apart are not folded together.
  const og = oreGuardForFile('console-board', { env: { INCIDENT_GAP_MS: '1000' }, untilIngesting: true });
  let browser: Browser;
  let gatewayA: TestGateway;
  let gatewayB: TestGateway;
  const pages: Page[] = [];
  let n = 0;
  /** A perimeter breach in a zone of its own, seconds before the last one: a new incident. */
  const breach = (zone: string) =>
    aTheftEvent({ zone, occurredAt: new Date(Date.now() - 60_000 + n++ * 5_000).toISOString() });

  beforeAll(async () => {
    browser = await launchChromium();
    gatewayA = await og.gateway(SITE_A);
    gatewayB = await og.gateway(SITE_B);
    await gatewayA.publish(breach('gate-first'));
    await gatewayB.publish(breach('gate-first'));
    await waitFor(
      async () =>
        (await og.ctx.db.query('SELECT 1 FROM incidents WHERE site_id = ANY($1)', [[SITE_A, SITE_B]])).length === 2,
      { what: 'the first incidents' },
    );
    const admin = await login(og.oreguard.baseUrl);
    for (const [username, site] of [
      ['op-a', SITE_A],
      ['op-a2', SITE_A],
      ['op-b', SITE_B],
      ['op-gone', SITE_A],
    ]) {
      const created = await og.rest(admin, 'POST', '/users', {
        username,
        password: PASSWORD,
        role: 'operator',
        siteIds: [site],
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    for (const page of pages)
      await page
        .context()
        .close()
        .catch(() => undefined);
    await browser?.close();
  });

  const open = async (username: string) => {
    const page = await openConsole(browser, og.oreguard.baseUrl, username, PASSWORD);
    pages.push(page);
    return page;
  };

  it('is served at / with a CSP, and leaves the API, /docs and unknown files alone', async () => {
    const base = og.oreguard.baseUrl;
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await index.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    // A page deep in the console (a reload of a detail) gets the console too.
    const deep = await fetch(`${base}/incidents/some-page`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
    // The API keeps its own 404s and 401s, /docs its document, and a missing file is a 404.
    const api = await fetch(`${base}/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/json/);
    expect((await fetch(`${base}/api/v1/incidents`)).status).toBe(401);
    expect((await fetch(`${base}/docs/openapi.json`)).status).toBe(200);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('refuses a wrong password with a message, and signs in with the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    await page.goto(og.oreguard.baseUrl);
    await page.getByLabel('Username').fill('op-a');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor({ timeout: 5000 });
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await connection(page).filter({ hasText: 'Live' }).waitFor({ timeout: 5000 });
    await boardItems(page, `${SITE_A}, gate-first`).waitFor({ timeout: 5000 });
  });

  it('shows an event published over MQTT on the board within a second, and only on its own site', async () => {
    const page = await open('op-a');
    const other = await open('op-b');
    await boardItems(page, 'gate-first').waitFor();

    const shown = await whenShown(page, `${SITE_A}, gate-live`);
    const started = Date.now();
    await gatewayA.publish(breach('gate-live'));
    const elapsed = (await shown()) - started;
    await boardItems(page, `${SITE_A}, gate-live`).waitFor({ timeout: 5000 });
    expect(elapsed).toBeLessThan(1000);
    // High severity draws attention: the tab title counts the open high and critical incidents.
    await waitFor(async () => /^\(2\) OreGuard console$/.test(await page.title()), {
      what: 'the tab title to count 2',
    });

    // Site B's incident reaches op-b, never op-a.
    await gatewayB.publish(breach('gate-b-only'));
    await boardItems(other, `${SITE_B}, gate-b-only`).waitFor({ timeout: 5000 });
    await gatewayA.publish(breach('gate-after-b'));
    await boardItems(page, 'gate-after-b').waitFor({ timeout: 5000 });
    expect(await boardItems(page, SITE_B).count()).toBe(0);
    expect(await boardItems(page).count()).toBe(3);
    expect(await boardItems(other, SITE_A).count()).toBe(0);

    await screenshot(page, 'console-board');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('takes each lifecycle action in the detail, and a second console sees each one live', async () => {
    const first = await open('op-a');
    const second = await open('op-a2');
    await gatewayA.publish(breach('gate-actions'));
    await boardItems(first, 'gate-actions').waitFor({ timeout: 5000 });
    await boardItems(second, 'gate-actions').waitFor({ timeout: 5000 });

    // Both open it from the board, by keyboard on the first.
    await boardItems(first, 'gate-actions').getByRole('link').focus();
    await first.keyboard.press('Enter');
    await boardItems(second, 'gate-actions').getByRole('link').click();
    const detail = (page: Page) => page.getByRole('region', { name: /gate-actions/ });
    await detail(first)
      .getByRole('heading', { name: /gate-actions/ })
      .waitFor();
    const timeline = (page: Page) => detail(page).getByRole('list', { name: 'Timeline' });
    const events = detail(first).getByRole('list', { name: 'Events' }).getByRole('listitem');
    expect(await events.count()).toBe(1);
    // The raw payload, on demand.
    await events
      .first()
      .getByRole('button', { name: /Raw payload/ })
      .click();
    await detail(first)
      .getByLabel(/Payload of event/)
      .filter({ hasText: '"perimeter_breach"' })
      .waitFor();

    await detail(first).getByRole('button', { name: 'Acknowledge' }).click();
    await boardItems(second, 'gate-actions').filter({ hasText: 'acknowledged' }).waitFor({ timeout: 5000 });
    await timeline(second).getByRole('listitem').filter({ hasText: 'acknowledged by op-a' }).waitFor({ timeout: 5000 });
    expect(await detail(second).getByRole('button', { name: 'Acknowledge' }).isDisabled()).toBe(true);

    await detail(first).getByRole('button', { name: 'Assign' }).click();
    await timeline(second)
      .getByRole('listitem')
      .filter({ hasText: /assigned/ })
      .waitFor({ timeout: 5000 });

    await detail(first).getByLabel('Note').fill('Guard sent to the gate');
    await detail(first).getByRole('button', { name: 'Add note' }).click();
    await timeline(second)
      .getByRole('listitem')
      .filter({ hasText: 'Guard sent to the gate' })
      .waitFor({ timeout: 5000 });

    await screenshot(first, 'console-detail');
    expect(await seriousA11yViolations(first)).toEqual([]);

    await detail(first).getByLabel('Resolution').selectOption('false_positive');
    await detail(first).getByRole('button', { name: 'Resolve' }).click();
    await boardItems(second, 'gate-actions').waitFor({ state: 'detached', timeout: 5000 });
    await detail(second).getByText('false_positive', { exact: true }).waitFor({ timeout: 5000 });

    await detail(second).getByRole('button', { name: 'Reopen' }).click();
    await boardItems(first, 'gate-actions').filter({ hasText: 'open' }).waitFor({ timeout: 5000 });
    const [row] = await og.ctx.db.query<{ status: string }>(
      "SELECT status FROM incidents WHERE title LIKE '%gate-actions%'",
    );
    expect(row.status).toBe('open');
  });

  it('gives leads the history with the REST filters, its export, the stats as charts, and a verified evidence bundle', async () => {
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password');
    pages.push(page);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'History' }).click();
    await page.getByLabel('Site').selectOption(SITE_A);
    await page.getByLabel('Title contains').fill('gate-');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table', { name: /Search results/ });
    await results.getByRole('row').filter({ hasText: 'gate-actions' }).waitFor({ timeout: 5000 });
    const [countA] = await og.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM incidents WHERE site_id = $1 AND title LIKE '%gate-%'",
      [SITE_A],
    );
    expect(await results.getByRole('row').count()).toBe(countA.n + 1); // and the header row
    expect(await results.getByText(SITE_B).count()).toBe(0);
    await page
      .getByRole('list', { name: 'By site' })
      .getByRole('listitem')
      .filter({ hasText: `${SITE_A}${countA.n}` })
      .waitFor();
    expect(await page.getByRole('region', { name: 'Statistics' }).innerText()).toMatch(
      new RegExp(`${countA.n} incidents · mean time to acknowledge (\\d+ s|n/a) · mean time to resolve (\\d+ s|n/a)`),
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('incidents.csv');
    const csv = readFileSync(await download.path(), 'utf8') as string;
    expect(csv.trim().split('\n')).toHaveLength(countA.n + 1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await results.getByRole('link', { name: /gate-actions/ }).click();
    const [bundle] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download evidence' }).click(),
    ]);
    expect(bundle.suggestedFilename()).toMatch(/^incident-.*-evidence\.json$/);
    expect(JSON.parse(readFileSync(await bundle.path(), 'utf8'))).toMatchObject({
      incident: { title: expect.stringContaining('gate-actions') },
    });
    await page
      .getByRole('status')
      .filter({ hasText: /Timeline verified: its hash chain of \d+ entries is intact/ })
      .waitFor({ timeout: 5000 });
  });

  it('brings the sign-in back, with the reason, when the session ends', async () => {
    const page = await open('op-gone');
    const admin = await login(og.oreguard.baseUrl);
    const [user] = await og.ctx.db.query<{ id: string }>("SELECT id FROM users WHERE username = 'op-gone'");
    expect((await og.rest(admin, 'PATCH', `/users/${user.id}`, { disabled: true })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'sign in again' }).waitFor();
  });
});
