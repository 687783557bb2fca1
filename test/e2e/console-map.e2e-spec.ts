import type { Browser } from 'playwright-core';
import { aDroneEvent, aTheftEvent } from '../factories/events';
import { boardItems, launchChromium, openConsole, screenshot, seriousA11yViolations } from '../support/browser';
import { login } from '../support/live-client';
import type { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * The site map: set by an admin (validated, audited), read by whoever may see the site, and
 * drawn by the console as SVG with the drone's track growing live and the theft's zone marked.
 */
const SITE = 'kolwezi-1';
const OTHER = 'tarkwa-2';
const PASSWORD = 'operator-password';
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
const siteMap = () => ({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: square(LON - 0.01, LAT - 0.01, 0.02) },
      properties: { kind: 'perimeter', name: 'Lease boundary' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: square(LON - 0.008, LAT + 0.004, 0.004) },
      properties: { kind: 'zone', zone: 'north-fence' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: square(LON + 0.002, LAT - 0.006, 0.005) },
      properties: { kind: 'zone', zone: 'tailings-east' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [LON - 0.006, LAT + 0.006] },
      properties: { kind: 'sensor', sensorId: 'fence-north-4' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [LON + 0.004, LAT - 0.004] },
      properties: { kind: 'sensor', sensorId: 'rf-mast-2' },
    },
  ],
});

describe('the site map', () => {
  const og = oreGuardForFile('console-map', { untilIngesting: true });
  let browser: Browser;
  let gateway: TestGateway;
  let admin: string;
  let operator: string;
  let other: string;

  beforeAll(async () => {
    browser = await launchChromium();
    gateway = await og.gateway(SITE);
    const otherGateway = await og.gateway(OTHER);
    // A theft no correlation rule joins to the drone below: two incidents.
    const quietTheft = () =>
      aTheftEvent({ theft: { category: 'unauthorized_access', description: 'Person seen in the yard' } });
    await gateway.publish(quietTheft());
    await otherGateway.publish(quietTheft());
    await waitFor(
      async () => (await og.ctx.db.query('SELECT 1 FROM sites WHERE id = ANY($1)', [[SITE, OTHER]])).length === 2,
      { what: 'both sites' },
    );
    admin = await login(og.oreguard.baseUrl);
    for (const [username, site] of [
      ['map-op', SITE],
      ['map-other', OTHER],
    ]) {
      expect(
        (await og.rest(admin, 'POST', '/users', { username, password: PASSWORD, role: 'operator', siteIds: [site] }))
          .status,
      ).toBe(201);
    }
    operator = await login(og.oreguard.baseUrl, 'map-op', PASSWORD);
    other = await login(og.oreguard.baseUrl, 'map-other', PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('is set by an admin, audited, and read by those who may see the site', async () => {
    expect((await og.rest(admin, 'GET', `/sites/${SITE}/map`)).status).toBe(404);
    expect((await og.rest(operator, 'PUT', `/sites/${SITE}/map`, siteMap())).status).toBe(403);

    const put = await og.rest(admin, 'PUT', `/sites/${SITE}/map`, siteMap());
    expect(put.status).toBe(200);
    const read = await og.rest(operator, 'GET', `/sites/${SITE}/map`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(siteMap()); // other properties kept
    expect((await og.rest(other, 'GET', `/sites/${SITE}/map`)).status).toBe(403);
    expect((await og.rest(admin, 'PUT', '/sites/no-such-site/map', siteMap())).status).toBe(404);

    const [entry] = await og.ctx.db.query<{ actor: string; target: string; details: unknown }>(
      "SELECT actor, target, details FROM audit_log WHERE action = 'site.map-set'",
    );
    expect(entry).toEqual({
      actor: 'admin',
      target: SITE,
      details: { features: { perimeter: 1, zone: 2, sensor: 2 } },
    });
  });

  it('refuses a map that is not valid GeoJSON of the site, naming the field', async () => {
    const open = siteMap();
    (open.features[1].geometry.coordinates as number[][][])[0][4] = [LON, LAT];
    const answer = await og.rest(admin, 'PUT', `/sites/${SITE}/map`, open);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/features\.1\.geometry\.coordinates.*closed/);
    const swapped = siteMap();
    swapped.features[3].geometry.coordinates = [LAT, 125.1];
    expect((await og.rest(admin, 'PUT', `/sites/${SITE}/map`, swapped)).status).toBe(400);
    expect(
      (
        await og.rest(admin, 'PUT', `/sites/${SITE}/map`, {
          type: 'FeatureCollection',
          features: [{ type: 'Feature' }],
        })
      ).status,
    ).toBe(400);
  });

  it("draws the site, the theft's zone and the drone's track as it grows", async () => {
    const page = await openConsole(browser, og.oreguard.baseUrl, 'map-op', PASSWORD);
    const start = Date.now() - 60_000;
    const fix = (i: number) =>
      aDroneEvent({
        occurredAt: new Date(start + i * 2_000).toISOString(),
        zone: 'tailings-east',
        drone: {
          detection: 'rf',
          position: { lat: LAT - 0.004 + i * 0.001, lon: LON + 0.003 + i * 0.001, altM: 80 },
          trackId: 'trk-map',
        },
      });
    await gateway.publish(fix(0));
    await gateway.publish(fix(1));
    const drone = boardItems(page, /drone over tailings-east/i);
    await drone.waitFor({ timeout: 5000 });
    await drone.getByRole('link').click();
    const map = page.getByRole('img', { name: /^Map of site kolwezi-1/ });
    await map.and(page.getByRole('img', { name: /drone track of 2 positions/ })).waitFor({ timeout: 5000 });

    await gateway.publish(fix(2));
    await map.and(page.getByRole('img', { name: /drone track of 3 positions/ })).waitFor({ timeout: 5000 });
    expect(await map.getAttribute('aria-label')).toMatch(
      /2 zones; 2 sensors; no blind zone; non-cooperative drone track/,
    );
    await screenshot(page, 'console-map');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The first theft incident's zone (north-fence) is marked on its map.
    await boardItems(page, /Theft .*north-fence/)
      .getByRole('link')
      .click();
    await page.getByRole('img', { name: /zones of this incident: north-fence/ }).waitFor({ timeout: 5000 });
  });

  it('explains a quiet board: gateways and sensors with their health, blind zones, silences and authorized drones', async () => {
    const silence = await og.rest(admin, 'POST', '/silences', {
      siteId: SITE,
      zone: 'north-fence',
      reason: 'Fence maintenance crew on site',
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(silence.status).toBe(201);
    expect(
      (
        await og.rest(admin, 'POST', '/authorized-drones', {
          siteId: SITE,
          uasId: 'UAS-SURVEY-1',
          label: 'survey drone',
        })
      ).status,
    ).toBe(201);
    await gateway.publish(
      { state: 'online', at: new Date().toISOString(), sensors: [{ sensorId: 'rf-mast-2', state: 'fault' }] },
      'status',
      { retain: true },
    );
    await waitFor(
      async () =>
        (await og.ctx.db.query("SELECT 1 FROM sensors WHERE id = 'rf-mast-2' AND state = 'fault'")).length === 1,
      {
        what: 'the sensor fault stored',
      },
    );

    const page = await openConsole(browser, og.oreguard.baseUrl, 'map-op', PASSWORD);
    const site = page.getByRole('region', { name: `Site ${SITE}` });
    await site
      .getByRole('list', { name: 'Sensors' })
      .getByRole('listitem')
      .filter({ hasText: /rf-mast-2.*fault.*tailings-east/ })
      .waitFor({ timeout: 5000 });
    await site.getByText(/Blind now:.*tailings-east/).waitFor();
    await site
      .getByRole('list', { name: 'Gateways' })
      .getByRole('listitem')
      .filter({ hasText: 'gw-1: online' })
      .waitFor();
    await site
      .getByRole('list', { name: 'Silences in force' })
      .getByRole('listitem')
      .filter({ hasText: 'zone north-fence: Fence maintenance crew on site' })
      .waitFor();
    await site
      .getByRole('list', { name: 'Authorized drones' })
      .getByRole('listitem')
      .filter({ hasText: 'UAS-SURVEY-1 (survey drone)' })
      .waitFor();
    // Another site's operator sees only their own site.
    const otherPage = await openConsole(browser, og.oreguard.baseUrl, 'map-other', PASSWORD);
    await otherPage
      .getByRole('region', { name: `Site ${OTHER}` })
      .getByRole('list', { name: 'Gateways' })
      .waitFor({ timeout: 5000 });
    expect(await otherPage.getByRole('region', { name: `Site ${SITE}` }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await otherPage.context().close();
    await page.context().close();
  });

  it('leaves the rest of the detail in place for a site with no map', async () => {
    const page = await openConsole(browser, og.oreguard.baseUrl, 'map-other', PASSWORD);
    await boardItems(page, OTHER).first().getByRole('link').click();
    await page.getByText(`No map has been set for site ${OTHER}.`).waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Acknowledge' }).waitFor();
  });
});
