import type { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** What every line logged while serving a request carries: its request id. */
export const requestContext = new AsyncLocalStorage<{ reqId: string }>();

/**
 * Nest's start-up chatter (a line per module and per route mapped) is logged at debug: at info
 * a start shows what OreGuard itself says.
 */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController']);

/**
 * Structured logs through pino: one JSON object per line on stdout, for Nest's own messages and
 * ours. Fields: level (debug, info, warn, error), time, context (the class that logged), msg,
 * reqId while serving a request, stack for errors, and whatever fields a caller passes:
 * `logger.warn({ msg: 'Fold job failed', eventId, siteId })` keeps ids searchable as fields.
 */
export class JsonLogger implements LoggerService {
  readonly pino: pino.Logger;

  constructor(minLevel: Level = 'info', destination: pino.DestinationStream = pino.destination({ fd: 1, sync: true })) {
    this.pino = pino(
      {
        level: minLevel,
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: {
          level: (label) => ({ level: label === 'fatal' ? 'error' : label === 'trace' ? 'debug' : label }),
        },
        mixin: () => requestContext.getStore() ?? {},
      },
      destination,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last string argument, and an error's stack before it.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    if (level === 'info' && context && START_UP_CONTEXTS.has(context)) level = 'debug';
    if (!this.pino.isLevelEnabled(level)) return;
    const entry: Record<string, unknown> = { context };
    let msg: string | undefined;
    if (message instanceof Error) {
      msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      const { msg: text, ...fields } = message as { msg?: unknown };
      Object.assign(entry, fields);
      if (text !== undefined) msg = String(text);
    } else {
      msg = String(message);
    }
    for (const arg of args) {
      if (arg instanceof Error) entry.stack = arg.stack;
      else if (typeof arg === 'string') entry.stack = arg;
      else if (arg !== undefined) entry.detail = arg;
    }
    this.pino[level](entry, msg);
  }
}
