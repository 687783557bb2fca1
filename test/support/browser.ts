import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the console tests leave their screenshots (git-ignored). */
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * A console in a browser context of its own (its own session storage), signed in. `prepare`
 * runs on the context before the console loads (e.g. to route its WebSocket).
 */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  prepare: (context: BrowserContext) => Promise<void> = async () => undefined,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await prepare(context);
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await connection(page).filter({ hasText: 'Live' }).waitFor({ timeout: 5000 });
  return page;
}

export const connection = (page: Page): Locator => page.getByRole('status', { name: 'Connection' });

/** The board's items (the list named `Incidents`), or the one whose text has `text`. */
export function boardItems(page: Page, text?: string | RegExp): Locator {
  const items = page.getByRole('list', { name: 'Incidents' }).getByRole('listitem');
  return text === undefined ? items : items.filter({ hasText: text });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules).
 * The script is evaluated through the DevTools protocol, so the console's CSP stays as served.
 */
export async function seriousA11yViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  await page.evaluate(axeSource);
  // A string: it runs in the page, where the DOM is (the tests' TypeScript has no DOM types).
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })()`);
}

/**
 * When (the page's Date.now()) the page first shows `text`, watched from inside the page by a
 * MutationObserver: Playwright's own polling slows to every 500 ms, too coarse for timing.
 */
export async function whenShown(page: Page, text: string): Promise<() => Promise<number>> {
  await page.evaluate(`void (window.__shown = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.body.innerText.includes(${JSON.stringify(text)})) return;
      observer.disconnect();
      resolve(Date.now());
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }))`);
  return () => page.evaluate('window.__shown') as Promise<number>;
}
