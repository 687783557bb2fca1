import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from './config/app-config';
import { startOreGuard } from './bootstrap';
import { JsonLogger } from './platform/json-logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // V8 lets its heap grow up to about four times the live data before a full collection when
  // the process is busy; a fixed, smaller factor keeps memory flat while a backlog drains.
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const logger = new JsonLogger(config.logLevel);
  const running = await startOreGuard(config, logger);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`Received ${signal}: stopping (MQTT intake first, then jobs in progress, then connections)`, 'OreGuard');
    const force = setTimeout(() => {
      logger.error('Graceful shutdown took too long; exiting', 'OreGuard');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    running
      .close()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        logger.error(error, 'OreGuard');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The last word of a process that cannot go on: one JSON line saying why, then a non-zero exit. */
function fatal(what: string, error: unknown, code: number): never {
  const e = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', context: 'OreGuard', msg: `${what}: ${e.message}`, stack: e.stack })}\n`,
  );
  process.exit(code);
}

// A server going away is handled where it is used (OreGuard waits for it); anything that still
// escapes is a fault of OreGuard's own: say so in one line and exit, for the supervisor to restart.
process.on('uncaughtException', (error) => fatal('Unexpected error, exiting', error, 70)); // EX_SOFTWARE
process.on('unhandledRejection', (error) => fatal('Unexpected error, exiting', error, 70));

main().catch((error: Error) => fatal('Start-up failed', error, 1));
