/** Expected failures, by code; HttpErrorFilter maps each code to its status. */
export const ERROR_STATUS = {
  'request.invalid': 400,
  'auth.invalid-credentials': 401,
  'auth.unauthenticated': 401,
  'auth.forbidden': 403,
  'site.forbidden': 403,
  'incident.not-found': 404,
  'resource.not-found': 404,
  'request.not-acceptable': 406,
  'incident.invalid-transition': 409,
  'resource.conflict': 409,
  'cursor.gone': 410,
  'incident.gone': 410,
  'request.too-large': 413,
  'request.unsupported-media': 415,
  'auth.too-many-attempts': 429,
  'request.rate-limited': 429,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApplicationError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
