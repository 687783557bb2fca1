import type { z } from 'zod';
import { describeFirstIssue } from 'src/domain/events/describe-issue';
import { ApplicationError } from './application-error';

/** Parses a request part with its schema, or throws a 400 that names the field. */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  input: unknown,
  part: 'query' | 'body' | 'params',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const message = describeFirstIssue(result.error, input, part);
  throw new ApplicationError('request.invalid', message, {
    issues: result.error.issues.map((i) => ({ path: [part, ...i.path.map(String)].join('.'), message: i.message })),
  });
}
