import type { Browser, Page } from 'playwright-core';
import { connection, launchChromium, openConsole, screenshot, seriousA11yViolations } from '../support/browser';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

/**
 * A site's threat posture in the console: a lead raises it over REST, the site's open consoles
 * show it live, one operator acknowledges it for the site, and every console of the site (and a
 * reload) shows it acknowledged; an operator of another site sees and asks nothing of it. A
 * lowering waits on the board for a second lead's Approve, and a console that was offline
 * meanwhile reads the posture again when it reconnects (the posture event is not replayed).
 */
const KOLWEZI = 'kolwezi-1';
const TARKWA = 'tarkwa-2';
const REASON = 'Regional alert: armed group reported near the Kolwezi haul road';

describe('the console, site threat posture', () => {
  const og = oreGuardForFile('console-posture');
  const call = og.rest;
  let browser: Browser;
  let leadA: string;

  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  const postureOf = (page: Page, siteId: string) =>
    page
      .getByRole('list', { name: 'Threat posture' })
      .getByRole('listitem')
      .filter({ hasText: `(${siteId})` });
  /** The panel has read the sites' posture: the normal ones are named in it. */
  const shownNormal = (page: Page, siteId: string) =>
    page
      .locator('.posture-normal')
      .filter({ hasText: `(${siteId})` })
      .waitFor({ timeout: 10_000 });

  beforeAll(async () => {
    await og.ctx.db.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi'), ($2, 'Tarkwa', 'Africa/Accra')`,
      [KOLWEZI, TARKWA],
    );
    const admin = await login(og.oreguard.baseUrl);
    for (const [username, role, siteIds] of [
      ['lead-a', 'lead', []],
      ['lead-b', 'lead', []],
      ['op-ana', 'operator', [KOLWEZI]],
      ['op-ben', 'operator', [KOLWEZI]],
      ['op-tarkwa', 'operator', [TARKWA]],
    ] as const) {
      const res = await call(admin, 'POST', '/users', { username, password: `${username}-password`, role, siteIds });
      expect(res.status).toBe(201);
    }
    leadA = await login(og.oreguard.baseUrl, 'lead-a', 'lead-a-password');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  const open = (username: string) => openConsole(browser, og.oreguard.baseUrl, username, `${username}-password`);

  it("shows a raise live to the site's consoles, which one operator acknowledges for all, and nothing to another site", async () => {
    const [ana, ben, tarkwa] = await Promise.all([open('op-ana'), open('op-ben'), open('op-tarkwa')]);
    const tarkwaAsked: string[] = [];
    tarkwa.on('request', (request) => tarkwaAsked.push(request.url()));
    await shownNormal(ana, KOLWEZI);
    await shownNormal(ben, KOLWEZI);
    await shownNormal(tarkwa, TARKWA);

    const raised = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, {
      level: 'high',
      reason: REASON,
      source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
      expiresAt: inHours(12),
    });
    expect(raised.status).toBe(200);
    const changeId = raised.body.change.changeId as string;

    // Live, without a reload: the level in words, its scheme and reason, and the request to acknowledge.
    for (const page of [ana, ben]) {
      const item = postureOf(page, KOLWEZI);
      await item.filter({ hasText: 'Posture raised: high' }).waitFor({ timeout: 10_000 });
      expect(await item.textContent()).toContain('fpcon bravo (REG-ALERT-0412)');
      expect(await item.textContent()).toContain(REASON);
      expect(await item.textContent()).toContain('Not acknowledged yet');
      await item.getByRole('button', { name: 'Acknowledge' }).waitFor();
    }
    await screenshot(ana, 'console-posture-raised');
    expect(await seriousA11yViolations(ana)).toEqual([]);

    // Ana acknowledges: OreGuard records it, and Ben's console clears without a reload.
    await postureOf(ana, KOLWEZI).getByRole('button', { name: 'Acknowledge' }).click();
    await postureOf(ana, KOLWEZI).filter({ hasText: 'Acknowledged by op-ana' }).waitFor({ timeout: 10_000 });
    const posture = await call(leadA, 'GET', `/sites/${KOLWEZI}/posture`);
    expect(posture.body).toMatchObject({
      level: 'high',
      change: { changeId, acknowledgedBy: 'op-ana' },
      acks: [{ username: 'op-ana' }],
    });
    await postureOf(ben, KOLWEZI).filter({ hasText: 'Acknowledged by op-ana' }).waitFor({ timeout: 10_000 });
    expect(await postureOf(ben, KOLWEZI).getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    expect(await postureOf(ben, KOLWEZI).textContent()).toContain('Posture raised: high');

    // A reload reads it from OreGuard: still high, still acknowledged.
    await ben.reload();
    await postureOf(ben, KOLWEZI).filter({ hasText: 'Acknowledged by op-ana' }).waitFor({ timeout: 10_000 });
    expect(await postureOf(ben, KOLWEZI).getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await screenshot(ben, 'console-posture-acknowledged');

    // Tarkwa's operator: still only Tarkwa, normal; nothing of Kolwezi shown, and nothing of it asked.
    await shownNormal(tarkwa, TARKWA);
    const text = (await tarkwa.locator('body').textContent()) ?? '';
    expect(text).not.toContain(KOLWEZI);
    expect(text).not.toContain(REASON);
    expect(await tarkwa.getByRole('list', { name: 'Threat posture' }).count()).toBe(0);
    expect(tarkwaAsked.filter((url) => url.includes(KOLWEZI))).toEqual([]);
    for (const page of [ana, ben, tarkwa]) await page.context().close();
  });

  it("offers a lowering to a second lead's Approve, never to the lead who asked", async () => {
    const [leadAPage, leadBPage] = await Promise.all([open('lead-a'), open('lead-b')]);
    await postureOf(leadBPage, KOLWEZI).filter({ hasText: 'Posture raised: high' }).waitFor({ timeout: 10_000 });

    const lowering = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, {
      level: 'elevated',
      reason: 'The regional alert is lifted to a watch',
      source: { scheme: 'fpcon', value: 'alpha' },
      expiresAt: inHours(24),
    });
    expect(lowering.status).toBe(202);

    const waiting = postureOf(leadBPage, KOLWEZI).filter({ hasText: 'Lowering to elevated requested by lead-a' });
    await waiting.waitFor({ timeout: 10_000 });
    await postureOf(leadAPage, KOLWEZI)
      .filter({ hasText: "Waiting for a second lead's approval" })
      .waitFor({ timeout: 10_000 });
    expect(await postureOf(leadAPage, KOLWEZI).getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await seriousA11yViolations(leadBPage)).toEqual([]);

    // Lead A's console drops off the network while lead B approves: back, it reads the posture again.
    await leadAPage.context().setOffline(true);
    await connection(leadAPage).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 10_000 });
    await waiting.getByRole('button', { name: 'Approve' }).click();
    await postureOf(leadBPage, KOLWEZI).filter({ hasText: 'Posture raised: elevated' }).waitFor({ timeout: 10_000 });
    await leadAPage.context().setOffline(false);
    // Applied: elevated now, on both leads' consoles, and a new change for the operators to acknowledge.
    for (const page of [leadBPage, leadAPage])
      await postureOf(page, KOLWEZI)
        .filter({ hasText: 'Posture raised: elevated' })
        .filter({ hasText: "Waiting for the site's operators" })
        .waitFor({ timeout: 10_000 });
    expect((await call(leadA, 'GET', `/sites/${KOLWEZI}/posture`)).body).toMatchObject({
      level: 'elevated',
      pendingLowering: null,
      change: { approvedBy: 'lead-b', acknowledgedAt: null },
    });
    for (const page of [leadAPage, leadBPage]) await page.context().close();
  });
});
