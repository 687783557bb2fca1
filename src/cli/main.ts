import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import { ApiRefusedError, ApiUnavailableError } from './api-client';
import { apiCommands } from './api-commands';
import type { CliCommand, CliOutput } from './cli-command';
import { CliUsageError, EXIT } from './cli-error';
import { evidenceCommands } from './evidence-commands';
import { siteCommands } from './site-commands';
import { userCommands } from './user-commands';

// The services the commands share with the server log through Nest; the CLI's output is its own.
Logger.overrideLogger(['error']);

/** Every command the CLI knows; a feature adds its list here. */
const commands: readonly CliCommand[] = [...userCommands, ...siteCommands, ...evidenceCommands, ...apiCommands];

function help(out: CliOutput): void {
  out.line('OreGuard administration: npm run cli -- <command> [options]');
  out.line(
    'Accounts, sites, gateways:create and evidence use DATABASE_URL (as the server does); passwords are read from standard input with --password-stdin.',
  );
  out.line(
    'Incidents, silences, rules, gateway health and dead letters call the REST API at OREGUARD_URL (or --url) with OREGUARD_TOKEN,',
  );
  out.line('or as OREGUARD_USERNAME / OREGUARD_PASSWORD, so they are audited and pushed live as that user.');
  out.line('Every command takes --json: its result as one JSON document on stdout.');
  out.line('');
  for (const command of commands) out.line(`  ${command.usage}`);
  out.line('  help');
}

/** PostgreSQL could not be reached (as opposed to refusing a statement). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET)$/.test(code) ||
      code.startsWith('08') ||
      code === '3D000')
  );
}

/** Runs one command line; returns the exit code. Messages for people go to stderr, results to stdout. */
export async function runCli(argv: readonly string[], out: CliOutput, err: CliOutput): Promise<number> {
  const json = argv.includes('--json');
  const [name, ...args] = argv.filter((a) => a !== '--json');
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    help(out);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err.line(`Unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}, help`);
    return EXIT.usage;
  }
  try {
    await command.run(args, { line: (text) => out.line(text), json });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliUsageError) {
      err.line(`${name}: ${error.message}`);
      err.line(`usage: ${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof ApplicationError) {
      err.line(`${name}: ${error.message}`);
      return EXIT.refused;
    }
    if (error instanceof ApiUnavailableError) {
      err.line(`${name}: ${error.message}`);
      return EXIT.unavailable;
    }
    if (error instanceof ApiRefusedError) {
      err.line(`${name}: OreGuard refused: ${error.message}`);
      return error.status === 401 || error.status === 403
        ? EXIT.noperm
        : error.status >= 500
          ? EXIT.unavailable
          : EXIT.refused;
    }
    if (error instanceof ConfigError) {
      err.line(error.message);
      return EXIT.config;
    }
    if (isConnectionError(error)) {
      err.line(`${name}: cannot reach the database (DATABASE_URL): ${(error as Error).message}`);
      return EXIT.unavailable;
    }
    if ((error as { code?: unknown })?.code === '42P01') {
      err.line(
        `${name}: the database is not migrated yet: start OreGuard once (it migrates on start) or run npm run migration:run`,
      );
      return EXIT.unavailable;
    }
    err.line(`${name}: failed: ${(error as Error)?.message ?? String(error)}`);
    return EXIT.software;
  }
}

if (require.main === module) {
  const stdout: CliOutput = { line: (text) => process.stdout.write(`${text}\n`) };
  const stderr: CliOutput = { line: (text) => process.stderr.write(`${text}\n`) };
  void runCli(process.argv.slice(2), stdout, stderr).then((code) => {
    process.exitCode = code;
  });
}
