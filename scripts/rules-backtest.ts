/**
 * Replays a site's stored events through a candidate rule set, read-only, and sets the incidents
 * it would open beside those that exist. Prints a table and writes the whole result as JSON.
 *
 *   npm run rules:backtest -- --rules <dir> --site <id> --from <ISO> --to <ISO> [--out file.json]
 *
 * Needs only DATABASE_URL (after npm run build). Exit codes: 0 done, 1 rule set invalid,
 * 2 usage (bad arguments, bad dates, unknown site), 3 anything else.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/app-config';
import { loadRules } from '../src/correlation/load-rules';
import { Db } from '../src/database/db';
import { describeProblem, RuleSetError, type RuleSet } from '../src/domain/correlation';
import { runBacktest, UnknownSiteError, type BacktestResult } from '../src/rules/backtest.use-case';

const USAGE =
  'usage: npm run rules:backtest -- --rules <dir> --site <id> --from <ISO time> --to <ISO time> [--out file.json]\n';

class UsageError extends Error {}

function instant(name: string, value: string | undefined): Date {
  if (!value) throw new UsageError(`--${name} is required`);
  const t = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t.getTime()))
    throw new UsageError(`--${name}: not an ISO 8601 time: ${value}`);
  return t;
}

function report(result: BacktestResult): string {
  const lines = [
    `Backtest of ${result.siteId} from ${result.from} to ${result.to}: ${result.eventsReplayed} events replayed`,
    '',
  ];
  const width = Math.max(4, ...Object.keys(result.byRule).map((id) => id.length));
  lines.push(`${'rule'.padEnd(width)}  would open  existing`);
  for (const [ruleId, n] of Object.entries(result.byRule)) {
    lines.push(`${ruleId.padEnd(width)}  ${String(n.wouldOpen).padStart(10)}  ${String(n.existing).padStart(8)}`);
  }
  lines.push('', `Would open ${result.wouldOpen.length}:`);
  for (const m of result.wouldOpen) {
    const group = Object.entries(m.group)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(
      `  ${m.ruleId} [${m.severity}] ${m.firstAt} .. ${m.lastAt} ${m.eventCount} events${group ? ` ${group}` : ''}: ${m.title}`,
    );
  }
  lines.push(`Existing ${result.existing.length}:`);
  for (const i of result.existing) {
    lines.push(
      `  ${i.id} [${i.severity}, ${i.status}] ${i.firstSeenAt} .. ${i.lastSeenAt} ${i.eventCount} events (${i.ruleIds.join(', ')}): ${i.title}`,
    );
  }
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  let rules: RuleSet;
  let site: string;
  let from: Date;
  let to: Date;
  let out: string;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        rules: { type: 'string' },
        site: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.rules) throw new UsageError('--rules is required');
    if (!values.site) throw new UsageError('--site is required');
    site = values.site;
    from = instant('from', values.from);
    to = instant('to', values.to);
    if (to <= from) throw new UsageError('--to must be after --from');
    out = resolve(values.out ?? `backtest-${site}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    try {
      rules = loadRules(values.rules);
    } catch (error) {
      if (error instanceof RuleSetError) {
        process.stderr.write(
          `Rule set ${values.rules} is invalid:\n${error.problems.map((p) => `  ${describeProblem(p)}\n`).join('')}`,
        );
        return 1;
      }
      throw new UsageError(`--rules: cannot read ${values.rules}: ${(error as Error).message}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }

  const config = loadConfig(process.env, { requireJwtSecret: false, requireGatewayKey: false });
  const db = new Db(config.database.url, 1);
  try {
    const result = await runBacktest(db, rules, { siteId: site, from, to, profiles: config.posture.profiles });
    process.stdout.write(report(result));
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`Wrote ${out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UnknownSiteError) {
      process.stderr.write(`--site: no site ${site}\n`);
      return 2;
    }
    throw error;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`Backtest failed: ${(error as Error).message}\n`);
    process.exitCode = 3;
  },
);
