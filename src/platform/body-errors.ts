import { ApplicationError } from './application-error';

/** The content encodings the body parser reads. */
const ENCODINGS = 'gzip, deflate, br or identity';

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  code?: unknown;
  limit?: unknown;
  encoding?: unknown;
  charset?: unknown;
}

/**
 * Express error middleware placed right after the JSON body parser: turns its refusals into
 * ApplicationErrors naming what was wrong, so they reach HttpErrorFilter as such (Nest would
 * otherwise map a JSON syntax error to a 400 carrying the parser's own message, and an encoding
 * or charset refusal to a logged 500).
 */
export function bodyErrors(
  error: unknown,
  req: { headers?: Record<string, unknown> },
  _res: unknown,
  next: (error?: unknown) => void,
): void {
  next(bodyError(error as BodyParserError, String(req?.headers?.['content-encoding'] ?? '')) ?? error);
}

function bodyError(error: BodyParserError | undefined, contentEncoding: string): ApplicationError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  switch (error.type) {
    case 'entity.parse.failed':
      return new ApplicationError('request.invalid', 'body: invalid JSON');
    case 'entity.too.large':
      return new ApplicationError(
        'request.too-large',
        `body: larger than ${typeof error.limit === 'number' ? `${error.limit} bytes` : 'the limit'}`,
      );
    case 'encoding.unsupported':
      return new ApplicationError(
        'request.unsupported-media',
        `content-encoding: ${JSON.stringify(String(error.encoding ?? contentEncoding).slice(0, 64))} is not supported (${ENCODINGS})`,
      );
    case 'charset.unsupported':
      return new ApplicationError(
        'request.unsupported-media',
        `content-type: charset ${JSON.stringify(String(error.charset ?? '').slice(0, 64))} is not supported (utf-8)`,
      );
    case 'request.size.invalid':
      return new ApplicationError('request.invalid', 'body: its length does not match Content-Length');
  }
  // A compressed body that does not decompress: zlib's Z_DATA_ERROR, Z_BUF_ERROR, …
  if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
    return new ApplicationError(
      'request.invalid',
      `body: is not valid ${contentEncoding.slice(0, 64) || 'compressed'} data`,
    );
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new ApplicationError('request.invalid', 'body: could not be read');
  }
  return undefined;
}
