/**
 * Plays a realistic scenario through the real broker, as a site's gateways would publish it:
 *
 *   npm run simulate -- night-breach-under-drone [--url mqtt://localhost:1883] [--prefix oreguard/v1]
 *     [--site kolwezi-1] [--time-zone Africa/Lubumbashi] [--speed 10] [--at <ISO time>] [--confirm] [--secret <gatewayId>=<secret> …] [--broker-login]
 *   npm run simulate -- --list
 *
 * A scenario that sets the site's posture (posture-raised-after-regional-alert) calls OreGuard's
 * REST API as a lead: --api-url (or OREGUARD_URL, default http://localhost:3000) and
 * OREGUARD_USERNAME / OREGUARD_PASSWORD (or OREGUARD_TOKEN), as the CLI's API commands.
 *
 * Scenarios are played in the present: event times end about now (start now at speed 1), so
 * OreGuard takes them as live events and correlates them; --at chooses when the first event
 * happens instead. A night scenario run by day is still told at night (its lines say 02:10 local).
 *
 * Runs from dist/ (after `npm run build` or `npm start`). Prints one line per publish and a
 * summary; exits 1 if the broker refuses, a publish is not acknowledged in time, or (with
 * --confirm) OreGuard rejects or never confirms a message.
 */
import { parseArgs } from 'node:util';
import { ApiClient } from 'src/cli/api-client';
import { isIdentifier } from 'src/domain/events/identifiers';
import { describeSummary, runScenario } from './simulator/run-scenario';
import { playOrigin } from './simulator/scenario-clock';
import { setsPosture } from './simulator/scenario-plan';
import { findScenario, SCENARIOS } from './simulator/scenarios';

const USAGE =
  'usage: npm run simulate -- <scenario> [--url mqtt://localhost:1883] [--prefix oreguard/v1] [--site kolwezi-1] [--time-zone Africa/Lubumbashi] [--speed 10] [--at <ISO time>] [--confirm] [--secret <gatewayId>=<secret> …] [--broker-login] [--api-url http://localhost:3000] | --list';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'mqtt://localhost:1883' },
      prefix: { type: 'string', default: 'oreguard/v1' },
      site: { type: 'string', default: 'kolwezi-1' },
      'time-zone': { type: 'string', default: 'Africa/Lubumbashi' },
      speed: { type: 'string', default: '10' },
      at: { type: 'string' },
      confirm: { type: 'boolean', default: false },
      secret: { type: 'string', multiple: true, default: [] },
      'broker-login': { type: 'boolean', default: false },
      'api-url': { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return out(USAGE, 0);
  if (values.list) {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length)) + 1;
    for (const s of SCENARIOS) out(`${s.name.padEnd(width)} ${Math.round(s.durationMs / 60_000)} min  ${s.summary}`);
    return 0;
  }
  const scenario = positionals[0] ? findScenario(positionals[0]) : undefined;
  if (!scenario)
    return out(
      `${positionals[0] ? `unknown scenario ${positionals[0]}; ` : ''}${USAGE}\nscenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`,
      1,
    );
  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed < 1)
    return out(`--speed must be a number of at least 1 (got ${values.speed})`, 1);
  if (!isIdentifier(values.site)) return out(`--site must match ^[a-z0-9][a-z0-9_-]{0,63}$ (got ${values.site})`, 1);
  const at = values.at === undefined ? undefined : new Date(values.at);
  if (at && (Number.isNaN(at.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(values.at!)))
    return out(`--at must be an ISO time such as 2026-12-05T02:10:00+02:00 (got ${values.at})`, 1);
  // Played `speed` times faster, the story runs ahead of the wall clock: its last event must not be in the future.
  const latest = playOrigin(scenario.durationMs, speed, new Date());
  if (at && at.getTime() > latest.getTime() + 60_000) {
    return out(
      `--at must be ${latest.toISOString()} or earlier at ${speed}× speed: OreGuard refuses events from the future`,
      1,
    );
  }
  const secrets: Record<string, string> = {};
  for (const given of values.secret) {
    const [gatewayId, secret] = [given.slice(0, given.indexOf('=')), given.slice(given.indexOf('=') + 1)];
    if (!given.includes('=') || !isIdentifier(gatewayId) || secret === '') {
      return out('--secret must be <gatewayId>=<secret>, the secret OreGuard showed when the gateway was created', 1);
    }
    secrets[gatewayId] = secret;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: values['time-zone'] });
  } catch {
    return out(`--time-zone must be an IANA zone such as Africa/Lubumbashi (got ${values['time-zone']})`, 1);
  }

  // Only a scenario that sets posture needs the API (and its credentials).
  const api = setsPosture(scenario) ? ApiClient.fromEnv(values['api-url']) : undefined;
  if (api && at)
    return out(`${scenario.name} sets the site's posture, which is only ever set now: --at does not apply`, 1);
  const summary = await runScenario(scenario, {
    url: values.url,
    prefix: values.prefix,
    siteId: values.site,
    timeZone: values['time-zone'],
    speed,
    at,
    confirm: values.confirm,
    secrets,
    brokerLogin: values['broker-login'],
    api,
    log: (line) => out(line),
  });
  out(describeSummary(summary, values.confirm));
  out(`expect: ${scenario.expect}`);
  const c = summary.confirmations;
  return values.confirm && (c.rejected > 0 || c.missing > 0) ? 1 : 0;
}

function out(line: string, code = 0): number {
  process.stdout.write(`${line}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`simulate: ${error.message}\n`);
    process.exitCode = 1;
  },
);
