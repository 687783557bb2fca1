import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { describeFirstIssue } from 'src/domain/events/describe-issue';
import { ApplicationError } from 'src/platform/application-error';
import { CliUsageError } from './cli-error';

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses `--name value` options strictly: an unknown option or a stray argument is a usage error. */
export function parseOptions<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message.split('\n')[0]);
  }
}

export function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new CliUsageError(`--${name} is required`);
  return value;
}

/** `a,b` → ['a', 'b']; an empty value is no sites. */
export function listOption(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Checks CLI input with the same schema the REST API uses, reporting the fault under the
 * option's name (`--sites: …`) rather than the JSON field's. A password is never echoed.
 */
export function parseCliInput<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  optionOf: Record<string, string>,
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const field = String(result.error.issues[0]?.path[0] ?? '');
  let message = describeFirstIssue(result.error, input, 'options');
  if (field === 'password') message = message.replace(/ \(got .*\)$/, '');
  // `siteIds.2: …` → `--sites: …`: the option, not the position in the list it became.
  if (field in optionOf) message = message.replace(new RegExp(`^${field}(\\.\\d+)?`), optionOf[field]);
  throw new ApplicationError('request.invalid', message);
}
