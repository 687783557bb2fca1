import { chromium, type Browser, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';

/** Debian's Chromium, as the browser tests use it (CHROMIUM_PATH points elsewhere). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Watches the board of a real console in headless Chromium: when each incident change shows in
 * its DOM. An incident change is an (incident, lastSeenAt) pair: lastSeenAt is the occurredAt
 * of the newest event folded into it, which the bench stamps with the publish time, and the
 * board shows it in the item's `<time datetime>`. The watcher is a MutationObserver the bench
 * puts into the page; nothing of it ships in the console.
 */
export class ConsoleBoardWatch {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async open(baseUrl: string, username: string, password: string): Promise<ConsoleBoardWatch> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(baseUrl);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
      return new ConsoleBoardWatch(browser, page);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** From now on, records the first moment each (incident, lastSeenAt) is in the board's DOM. */
  async start(): Promise<void> {
    // A string: it runs in the page (the bench's TypeScript has no DOM types).
    await this.page.evaluate(`(() => {
      const seen = new Map();
      window.__boardSeen = seen;
      const board = () => document.querySelector('ul[aria-label="Incidents"]');
      const note = (li, now) => {
        if (!li || li.parentElement !== board()) return; // a board item, nothing else
        const link = li.querySelector('a[href^="#/incidents/"]');
        const time = li.querySelector('time[datetime]');
        if (!link || !time) return;
        const key = link.getAttribute('href').slice(12) + '|' + time.getAttribute('datetime');
        if (!seen.has(key)) seen.set(key, now);
      };
      const itemOf = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest('li');
      new MutationObserver((mutations) => {
        const now = Date.now();
        for (const m of mutations) {
          if (m.type !== 'childList') {
            note(itemOf(m.target), now);
            continue;
          }
          note(itemOf(m.target), now);
          for (const node of m.addedNodes) {
            if (node.nodeType === 1) for (const li of node.querySelectorAll('li')) note(li, now);
            note(itemOf(node), now);
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['datetime', 'href'], characterData: true });
    })()`);
  }

  /** What the observer recorded: `incidentId|lastSeenAt` → ms since epoch; and the items now shown. */
  async collect(): Promise<{ seen: Map<string, number>; items: Map<string, string> }> {
    const seen = (await this.page.evaluate('[...window.__boardSeen]')) as [string, number][];
    const items = (await this.page
      .evaluate(`[...document.querySelectorAll('ul[aria-label="Incidents"] > li')].map((li) => [
      li.querySelector('a').getAttribute('href').slice(12), li.querySelector('time').getAttribute('datetime')])`)) as [
      string,
      string,
    ][];
    return { seen: new Map(seen), items: new Map(items) };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/**
 * A /live socket beside the console: the incident changes OreGuard sent (unresolved incidents,
 * a newer lastSeenAt than the incident last had), when they arrived, and each incident's latest.
 */
export class ChangeSocket {
  readonly arrived = new Map<string, number>();
  readonly latest = new Map<string, { lastSeenAt: string; status: string }>();
  private from = Infinity;

  private constructor(private readonly socket: Socket) {
    socket.on('incident', (m: { incident: { id: string; lastSeenAt: string; status: string } }) => {
      const now = Date.now();
      const before = this.latest.get(m.incident.id);
      this.latest.set(m.incident.id, { lastSeenAt: m.incident.lastSeenAt, status: m.incident.status });
      if (m.incident.status === 'resolved' || Date.parse(m.incident.lastSeenAt) < this.from) return;
      if (before && before.lastSeenAt >= m.incident.lastSeenAt) return;
      this.arrived.set(`${m.incident.id}|${m.incident.lastSeenAt}`, now);
    });
  }

  static async connect(baseUrl: string, token: string): Promise<ChangeSocket> {
    const socket = io(`${baseUrl}/live`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await socket.timeout(10_000).emitWithAck('resume', { after: {} });
    return new ChangeSocket(socket);
  }

  /** Counts only changes brought by events published from `at` on. */
  startAt(at: number): void {
    this.from = at;
  }

  close(): void {
    this.socket.disconnect();
  }
}
