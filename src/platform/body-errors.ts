import { ApplicationError } from './application-error';

/**
 * Express error middleware placed right after the JSON body parser: turns its refusals into
 * ApplicationErrors, so they reach HttpErrorFilter as such (Nest would otherwise map a JSON
 * syntax error to a 400 carrying the parser's own message, which names no field).
 */
export function bodyErrors(error: unknown, _req: unknown, _res: unknown, next: (error?: unknown) => void): void {
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') return next(new ApplicationError('request.invalid', 'body: invalid JSON'));
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: unknown }).limit;
    return next(new ApplicationError('request.too-large', `body: larger than ${typeof limit === 'number' ? `${limit} bytes` : 'the limit'}`));
  }
  next(error);
}
