import type { Browser, BrowserContext } from 'playwright-core';
import { aDroneEvent, aTheftEvent } from '../factories/events';
import {
  boardItems,
  connection,
  launchChromium,
  openConsole,
  screenshot,
  seriousA11yViolations,
} from '../support/browser';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * What the console shows of state it cannot get message by message: a gap OreGuard can no
 * longer fill (retention dropped the messages) stays on screen while the board takes the site's
 * current state; and the blind zones on the map follow the sensors' health live.
 */
const SITE = 'kolwezi-1';
const GAP_SITE = 'tarkwa-2';
const LON = 25.4663;
const LAT = -10.7148;

const square = (lon: number, lat: number, d: number) => [
  [
    [lon, lat],
    [lon + d, lat],
    [lon + d, lat + d],
    [lon, lat + d],
    [lon, lat],
  ],
];

describe('the console, live state it cannot replay', () => {
  const og = oreGuardForFile('console-live-state', { env: { INCIDENT_GAP_MS: '1000' }, untilIngesting: true });
  let browser: Browser;
  let admin: string;
  let n = 0;
  // Each theft its own incident: more than INCIDENT_GAP_MS apart.
  const theft = (zone: string) =>
    aTheftEvent({
      zone,
      occurredAt: new Date(Date.now() - 600_000 + n++ * 2_000).toISOString(),
      theft: { category: 'unauthorized_access', description: 'Person seen in the yard' },
    });
  const lastSeq = async (siteId: string) =>
    Number(
      (
        await og.ctx.db.query<{ max: string | null }>('SELECT max(seq) AS max FROM live_messages WHERE site_id = $1', [
          siteId,
        ])
      )[0].max ?? 0,
    );

  beforeAll(async () => {
    browser = await launchChromium();
    admin = await login(og.oreguard.baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('keeps a gap OreGuard no longer holds on screen, and shows the site as it now is', async () => {
    const gateway = await og.gateway(GAP_SITE, 'gw-9');
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password');

    for (const zone of ['seen-1', 'seen-2']) await gateway.publish(theft(zone));
    await boardItems(page, `${GAP_SITE}, seen-2`).waitFor({ timeout: 5000 });
    await waitFor(async () => (await lastSeq(GAP_SITE)) >= 2, { what: 'two live messages' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = await lastSeq(GAP_SITE);

    // The connection drops; meanwhile three more thefts; then retention drops all but the last message.
    await page.context().setOffline(true);
    await connection(page).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
    for (const zone of ['away-1', 'away-2', 'away-3']) await gateway.publish(theft(zone));
    await waitFor(
      async () =>
        (await og.ctx.db.query("SELECT 1 FROM incidents WHERE site_id = $1 AND 'away-3' = ANY(zones)", [GAP_SITE]))
          .length === 1,
      {
        what: 'the third theft while away',
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const last = await lastSeq(GAP_SITE);
    expect(last).toBeGreaterThan(seen + 1);
    await og.ctx.db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('DELETE FROM live_messages WHERE site_id = $1 AND seq < $2', [GAP_SITE, last]);
    });

    // Back: the gap is named, with its range; the board has every incident, from the snapshot.
    await page.context().setOffline(false);
    await connection(page).filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    const banner = page.getByRole('alert', { name: 'Gaps in the live record' });
    await banner
      .getByText(`Site ${GAP_SITE}: live messages ${seen + 1}–${last} missed (no longer kept by OreGuard)`)
      .waitFor({ timeout: 5000 });
    for (const zone of ['seen-1', 'seen-2', 'away-1', 'away-2', 'away-3'])
      await boardItems(page, `${GAP_SITE}, ${zone}`).waitFor({ timeout: 5000 });
    expect(await boardItems(page, `${GAP_SITE},`).count()).toBe(5);
    await screenshot(page, 'console-gap');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Collapsed, it still says there is a gap; it cannot be dismissed.
    await banner.getByRole('button', { name: 'Collapse gaps' }).click();
    await banner.getByRole('button', { name: 'Show gaps' }).waitFor();
    expect(await banner.getByText('A gap in the live record').count()).toBe(1);
    expect(await banner.getByText(`Site ${GAP_SITE}`).count()).toBe(0);
    expect(await page.getByRole('button', { name: /dismiss/i }).count()).toBe(0);

    // Live again after the snapshot: the next theft shows, and the gap stays.
    await gateway.publish(theft('after-1'));
    await boardItems(page, `${GAP_SITE}, after-1`).waitFor({ timeout: 5000 });
    expect(await banner.isVisible()).toBe(true);
    await page.context().close();
  });

  it('fills a seq jump by resuming, and keeps on screen one the resume does not fill', async () => {
    const site = 'mutanda-3';
    const gateway = await og.gateway(site, 'gw-7');
    // OreGuard → console frames go through the test, which can leave out a site's seq.
    const dropOnce = new Set<number>();
    const dropAlways = new Set<number>();
    const seqOf = (frame: string | Buffer) => {
      const text = frame.toString();
      if (!text.startsWith('42/live,')) return undefined;
      const [event, body] = JSON.parse(text.slice('42/live,'.length)) as [string, { siteId?: string; seq?: number }];
      return event === 'incident' && body.siteId === site ? body.seq : undefined;
    };
    const prepare = (context: BrowserContext) =>
      context.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        server.onMessage((frame) => {
          const seq = seqOf(frame);
          if (seq !== undefined && dropAlways.has(seq)) return;
          if (seq !== undefined && dropOnce.delete(seq)) return;
          ws.send(frame);
        });
      });
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password', prepare);
    const banner = page.getByRole('alert', { name: 'Gaps in the live record' });

    // Seq 2 is lost once on the way: the console resumes after 1 and gets it again.
    dropOnce.add(2);
    for (const zone of ['jump-1', 'jump-2', 'jump-3']) await gateway.publish(theft(zone));
    for (const zone of ['jump-1', 'jump-2', 'jump-3'])
      await boardItems(page, `${site}, ${zone}`).waitFor({ timeout: 5000 });
    expect(dropOnce.size).toBe(0); // it was left out
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await banner.count()).toBe(0);

    // Seq 5 is lost every time, also when resent: a gap the console cannot close, kept on
    // screen; the board is read again from REST, so the incident of seq 5 is there too.
    expect(await lastSeq(site)).toBe(3);
    dropAlways.add(5);
    for (const zone of ['jump-4', 'jump-5', 'jump-6']) await gateway.publish(theft(zone));
    await banner
      .getByText(`Site ${site}: live messages 5 missed (not sent again when asked)`)
      .waitFor({ timeout: 10_000 });
    for (const zone of ['jump-4', 'jump-5', 'jump-6'])
      await boardItems(page, `${site}, ${zone}`).waitFor({ timeout: 5000 });
    expect(await boardItems(page, `${site},`).count()).toBe(6);
    await page.context().close();
  });

  it('names a resume OreGuard answers as ahead of its record, and follows the site from where OreGuard stands', async () => {
    const site = 'sukari-4';
    const gateway = await og.gateway(site, 'gw-5');
    // Console → OreGuard frames go through the test, which can make a resume name a later seq,
    // as a console's would after OreGuard's database was restored from an older backup.
    let resumeAhead = false;
    let closeSocket: () => void = () => undefined;
    const prepare = (context: BrowserContext) =>
      context.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        closeSocket = () => void ws.close();
        ws.onMessage((frame) => {
          const text = frame.toString();
          if (!resumeAhead || !text.includes('"resume"')) return server.send(frame);
          server.send(text.replace(new RegExp(`"${site}":(\\d+)`), (_, seq: string) => `"${site}":${Number(seq) + 5}`));
        });
      });
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password', prepare);
    const banner = page.getByRole('alert', { name: 'Gaps in the live record' });

    for (const zone of ['ahead-1', 'ahead-2']) await gateway.publish(theft(zone));
    for (const zone of ['ahead-1', 'ahead-2']) await boardItems(page, `${site}, ${zone}`).waitFor({ timeout: 5000 });
    expect(await lastSeq(site)).toBe(2);

    // The socket drops; the console resumes after 2, which reaches OreGuard as 7.
    resumeAhead = true;
    closeSocket();
    await banner
      .getByText(`Site ${site}: live messages 3–7 applied here are beyond OreGuard's record`)
      .waitFor({ timeout: 10_000 });
    resumeAhead = false;

    // The console went back to OreGuard's 2: the next theft, seq 3, shows.
    await gateway.publish(theft('ahead-3'));
    await boardItems(page, `${site}, ahead-3`).waitFor({ timeout: 5000 });
    expect(await boardItems(page, `${site},`).count()).toBe(3);
    expect(await banner.getByRole('listitem').count()).toBe(1);
    await page.context().close();
  });

  it('shades a zone blind on the open map as its sensor fails, and clears it as the sensor recovers', async () => {
    const gateway = await og.gateway(SITE, 'gw-1');
    await gateway.publish(aDroneEvent({ zone: 'tailings-east' }));
    await waitFor(async () => (await og.ctx.db.query('SELECT 1 FROM sites WHERE id = $1', [SITE])).length === 1, {
      what: 'the site',
    });
    const map = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: square(LON - 0.01, LAT - 0.01, 0.02) },
          properties: { kind: 'perimeter' },
        },
        {
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: square(LON + 0.002, LAT - 0.006, 0.005) },
          properties: { kind: 'zone', zone: 'tailings-east' },
        },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [LON + 0.004, LAT - 0.004] },
          properties: { kind: 'sensor', sensorId: 'rf-mast-2' },
        },
      ],
    };
    expect((await og.rest(admin, 'PUT', `/sites/${SITE}/map`, map)).status).toBe(200);
    const page = await openConsole(browser, og.oreguard.baseUrl, 'admin', 'admin-password');
    await boardItems(page, /drone over tailings-east/i)
      .first()
      .getByRole('link')
      .click();
    const siteMap = page.getByRole('img', { name: /^Map of site kolwezi-1/ });
    await siteMap.and(page.getByRole('img', { name: /no blind zone/ })).waitFor({ timeout: 5000 });

    // The map refreshes its blind zones every 30 s at most; these must show sooner, from the
    // sensor-health incidents' live messages.
    const status = (state: string) =>
      gateway.publish(
        { state: 'online', at: new Date().toISOString(), sensors: [{ sensorId: 'rf-mast-2', state }] },
        'status',
        { retain: true },
      );
    await status('fault');
    await siteMap.and(page.getByRole('img', { name: /blind now: tailings-east/ })).waitFor({ timeout: 5000 });
    expect(await page.locator('[data-zone="tailings-east"].blind').count()).toBe(1);
    await page
      .getByRole('region', { name: `Site ${SITE}` })
      .getByText(/Blind now:.*tailings-east/)
      .waitFor({ timeout: 5000 });

    await status('ok');
    await siteMap.and(page.getByRole('img', { name: /no blind zone/ })).waitFor({ timeout: 5000 });
    expect(await page.locator('[data-zone="tailings-east"].blind').count()).toBe(0);
    await page
      .getByRole('region', { name: `Site ${SITE}` })
      .getByText(/Blind now:\s*no zone/)
      .waitFor({ timeout: 5000 });
    await page.context().close();
  });
});
