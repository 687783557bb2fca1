/**
 * An operator's console in a terminal: logs in, shows the open incidents, connects to /live and
 * prints every `incident` message (site, seq, type, severity, title), a run of updates to one
 * incident folded into one line (scripts/watch/update-folding.ts). After a disconnection (an
 * OreGuard restart, a network cut) it logs in again, reconnects and sends `resume` with the last
 * seq it printed per site, so nothing is missed and nothing repeats. It runs until interrupted.
 *
 *   npm run watch -- [--url http://localhost:3000] [--username admin] [--password …] [--fold-ms 3000]
 *
 * Runs from dist/ (after `npm run build` or `npm start`); the password may also come from
 * OREGUARD_ADMIN_PASSWORD, as OreGuard itself was started with. socket.io-client is a dev
 * dependency: this is a developer's tool.
 */
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';
import { UpdateFolding, type Output, type WatchedMessage } from './watch/update-folding';

const USAGE = `usage: npm run watch -- [--url http://localhost:3000] [--username admin] [--password <password>] [--fold-ms 3000]

Prints OreGuard's live incident messages, one line each, after the incidents open now.
  --url       OreGuard's base URL (default http://localhost:3000)
  --username  the account to log in as (default admin)
  --password  its password (default: OREGUARD_ADMIN_PASSWORD)
  --fold-ms   when the output is not a terminal, updates to one incident within this many ms
              are printed as one summary line (default 3000); on a terminal the line is rewritten
It reconnects and resumes after OreGuard restarts; Ctrl-C ends it.`;

/** Why a login cannot succeed by trying again (as opposed to OreGuard being away). */
class LoginRefused extends Error {}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;
const OPEN_SHOWN = 50;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        username: { type: 'string', default: 'admin' },
        password: { type: 'string', default: process.env.OREGUARD_ADMIN_PASSWORD ?? '' },
        'fold-ms': { type: 'string', default: '3000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`watch: ${(error as Error).message.split('\n')[0]}\n${USAGE}\n`);
    return 64;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const foldMs = Number(values['fold-ms']);
  if (!Number.isInteger(foldMs) || foldMs < 0) {
    process.stderr.write(`watch: --fold-ms must be a whole number of ms (got ${values['fold-ms']})\n`);
    return 64;
  }
  const url = values.url.replace(/\/+$/, '');
  const tty = Boolean(process.stdout.isTTY);
  const folding = new UpdateFolding({ tty, windowMs: foldMs });
  const print = (outputs: Output[]) => {
    for (const o of outputs) {
      // Up one line, clear it, write it again.
      process.stdout.write(o.kind === 'rewrite' ? `\x1b[1A\r\x1b[2K${o.text}\n` : `${o.text}\n`);
    }
  };
  const say = (line: string) => {
    print(folding.flush(Date.now(), true));
    folding.interrupted();
    process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
  };
  const lastSeq: Record<string, number> = {};
  const credentials = { url, username: values.username, password: values.password };

  // The first login must work: a wrong password is an error, not something to wait out.
  let token: string | undefined = await loginWhenUp(credentials, say);
  let fresh = true;

  const socket = io(`${url}/live`, {
    transports: ['websocket'],
    reconnectionDelay: RETRY_MIN_MS,
    reconnectionDelayMax: RETRY_MAX_MS,
    // Each attempt after a disconnection logs in again first: OreGuard may have restarted with
    // other keys or sessions. While it is away the login fails, and so does the attempt.
    auth: (cb) => {
      if (fresh && token) {
        fresh = false;
        return cb({ token });
      }
      login(credentials).then(
        (t) => cb({ token: (token = t) }),
        () => cb({ token: token ?? '' }),
      );
    },
  });
  const timer = setInterval(() => print(folding.flush(Date.now())), Math.max(250, Math.min(foldMs, 1000)));

  socket.on('connect', () => {
    const sites = Object.keys(lastSeq);
    say(
      `connected to ${url}/live${sites.length ? `, resuming ${sites.map((s) => `${s} after ${lastSeq[s]}`).join(', ')}` : ''}`,
    );
    void showOpen(url, token!, say).finally(() => {
      // An empty `after` still releases the messages the server holds for a new socket.
      socket.emit('resume', { after: lastSeq });
    });
  });
  socket.on('disconnect', (reason) => {
    say(`disconnected (${reason}); reconnecting`);
    // The server closed the socket (it is stopping, or ended the session): socket.io does not
    // try again by itself then, so this does.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), RETRY_MIN_MS);
  });
  socket.on('connect_error', (error) => {
    say(`cannot connect: ${error.message}`);
    // Refused by OreGuard's handshake (not a network error): socket.io leaves it there.
    if (!socket.active) setTimeout(() => socket.connect(), RETRY_MAX_MS);
  });
  socket.on('incident', (m: WatchedMessage) => {
    const previous = lastSeq[m.siteId] ?? 0;
    if (m.seq <= previous) return; // already printed (a resume overlapping what arrived live)
    const gap = previous && m.seq !== previous + 1 ? `  (gap: ${previous + 1}–${m.seq - 1} missing)` : '';
    lastSeq[m.siteId] = m.seq;
    print(folding.push(m, Date.now(), gap));
  });
  return new Promise<number>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      print(folding.flush(Date.now(), true));
      socket.close();
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The incidents open now, newest first (at most OPEN_SHOWN of them). */
async function showOpen(url: string, token: string, say: (line: string) => void): Promise<void> {
  try {
    const res = await fetch(`${url}/api/v1/incidents?status=open&limit=${OPEN_SHOWN}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      items: (WatchedMessage['incident'] & { siteId: string })[];
      nextCursor: string | null;
    };
    const n = page.items.length;
    say(
      `${n === 0 ? 'no' : n} open incident${n === 1 ? '' : 's'}${page.nextCursor ? ` shown, the newest; more are open` : ''}`,
    );
    for (const i of page.items) {
      process.stdout.write(
        `  ${i.siteId} ${i.severity.padEnd(8)} ${i.title} (${i.eventCount} events, ${i.status}) ${i.id}\n`,
      );
    }
  } catch (error) {
    say(`could not list the open incidents: ${(error as Error).message}`);
  }
}

/** Logs in, waiting for OreGuard while it does not answer; a refusal ends the watcher. */
async function loginWhenUp(
  c: { url: string; username: string; password: string },
  say: (line: string) => void,
): Promise<string> {
  let delay = RETRY_MIN_MS;
  for (;;) {
    try {
      return await login(c);
    } catch (error) {
      if (error instanceof LoginRefused) throw error;
      say(`cannot reach ${c.url} (${(error as Error).message}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}

async function login({
  url,
  username,
  password,
}: {
  url: string;
  username: string;
  password: string;
}): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 400 || res.status === 401 || res.status === 403)
    throw new LoginRefused(`login as ${username} refused: ${res.status} ${await res.text()}`);
  if (!res.ok) throw new Error(`login: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`watch: ${error.message}\n`);
    process.exit(1);
  },
);
