import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ApplicationError, ERROR_STATUS } from './application-error';

/**
 * Every HTTP error leaves as { statusCode, error, message, details? }. Expected errors carry
 * their own message; anything else is logged and hidden behind a plain 500 (no stack, no SQL).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let statusCode = 500;
    let message = 'Internal server error';
    let details: unknown;
    if (exception instanceof ApplicationError) {
      statusCode = ERROR_STATUS[exception.code];
      message = exception.message;
      details = exception.details;
      const retryAfterS = (details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
      if (statusCode === 429 && typeof retryAfterS === 'number' && !response.headersSent)
        response.setHeader('Retry-After', String(retryAfterS));
    } else if (exception instanceof HttpException) {
      statusCode = exception.getStatus();
      const body = exception.getResponse();
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
    } else if ((exception as { type?: string })?.type === 'entity.parse.failed') {
      statusCode = 400;
      message = 'body: invalid JSON';
    } else if ((exception as { type?: string })?.type === 'entity.too.large') {
      statusCode = 413;
      message = 'body: too large';
    } else if (isClientError(exception)) {
      // Refused by Express itself before any handler (a path that does not decode, …): the
      // client's fault, so a 4xx without a stack, logged as a warning.
      statusCode = exception.status === 413 || exception.status === 415 ? exception.status : 400;
      message =
        exception.status === 413
          ? 'body: too large'
          : exception.status === 415
            ? 'content-type: not supported'
            : 'request: could not be read';
      this.logger.warn(`Refused a request Express could not read: ${String(exception.message).slice(0, 200)}`);
    } else {
      this.logger.error(exception instanceof Error ? exception : String(exception));
    }
    if (response.headersSent) {
      // A stream (an export) failed midway: cut the connection so the client sees it incomplete.
      response.destroy();
      return;
    }
    // TAXII clients read TAXII error objects (TAXII 2.1 §3.6.1), in the TAXII media type.
    const path = host.switchToHttp().getRequest<{ path?: string }>().path ?? '';
    if (path === '/taxii2' || path.startsWith('/taxii2/')) {
      const body = {
        title: STATUS_CODES[statusCode] ?? 'Error',
        description: message,
        http_status: String(statusCode),
      };
      response.status(statusCode).setHeader('Content-Type', 'application/taxii+json;version=2.1');
      response.end(Buffer.from(JSON.stringify(body), 'utf8'));
      return;
    }
    response.status(statusCode).json({
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
      ...(details === undefined ? {} : { details }),
    });
  }
}

/** An http-errors style error (Express, body-parser) with a 4xx status meant for the client. */
function isClientError(exception: unknown): exception is { status: number; message?: unknown } {
  const status = (exception as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
