/**
 * An operator's console in one terminal line per message: logs in, connects to /live and prints
 * every `incident` message (site, seq, type, severity, title). After a reconnect it sends
 * `resume` with the last seq it printed per site, so nothing is missed and nothing repeats.
 *
 *   npm run watch -- [--url http://localhost:3000] [--username admin] [--password …]
 *
 * Runs from dist/ (after `npm run build` or `npm start`); the password may also come from
 * OREGUARD_ADMIN_PASSWORD, as OreGuard itself was started with. socket.io-client is a dev
 * dependency: this is a developer's tool.
 */
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';

interface IncidentMessage {
  siteId: string;
  seq: number;
  type: string;
  incident: { id: string; title: string; severity: string; status: string; eventCount: number; kinds?: string[] };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      username: { type: 'string', default: 'admin' },
      password: { type: 'string', default: process.env.OREGUARD_ADMIN_PASSWORD ?? '' },
    },
  });
  const url = values.url.replace(/\/+$/, '');
  const lastSeq: Record<string, number> = {};
  let token = await login(url, values.username, values.password);

  const socket = io(`${url}/live`, { auth: (cb) => cb({ token }), transports: ['websocket'] });
  socket.on('connect', () => {
    const sites = Object.keys(lastSeq);
    say(`connected to ${url}/live${sites.length ? `, resuming ${sites.map((s) => `${s} after ${lastSeq[s]}`).join(', ')}` : ''}`);
    // An empty `after` still releases the messages the server holds for a new socket.
    socket.emit('resume', { after: lastSeq });
  });
  socket.on('disconnect', (reason) => say(`disconnected (${reason}); reconnecting`));
  socket.on('connect_error', (error) => {
    say(`cannot connect: ${error.message}`);
    // A token that expired while we were away: log in again before the next attempt.
    if (/token|auth|unauthori[sz]ed/i.test(error.message)) {
      login(url, values.username, values.password).then(
        (fresh) => (token = fresh),
        (e: Error) => say(`login failed: ${e.message}`),
      );
    }
  });
  socket.on('incident', (m: IncidentMessage) => {
    const previous = lastSeq[m.siteId] ?? 0;
    if (m.seq <= previous) return; // already printed (a resume overlapping what arrived live)
    const gap = previous && m.seq !== previous + 1 ? `  (gap: ${previous + 1}–${m.seq - 1} missing)` : '';
    lastSeq[m.siteId] = m.seq;
    const i = m.incident;
    say(`${m.siteId} #${m.seq} ${m.type.padEnd(12)} ${i.severity.padEnd(8)} ${i.title} (${i.eventCount} events, ${i.status})${gap}`);
  });
  process.once('SIGINT', () => {
    socket.close();
    process.exit(0);
  });
}

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`watch: ${error.message}\n`);
  process.exitCode = 1;
});
