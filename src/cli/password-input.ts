import { CliUsageError } from './cli-error';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliUsageError(
      '--password-stdin reads the password from a pipe, e.g. `printf %s "$PW" | npm run cli -- …`; it does not prompt',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * The new password: from standard input with --password-stdin (the way to use), or from
 * --password (for throwaway scripts: it lands in shell history and the process list, so a
 * warning is printed). Never prompted for.
 */
export async function passwordFrom(values: { password?: string; 'password-stdin'?: boolean }): Promise<string> {
  if (values['password-stdin'] && values.password !== undefined)
    throw new CliUsageError('give either --password-stdin or --password, not both');
  if (values['password-stdin']) return readStdin();
  if (values.password !== undefined) {
    process.stderr.write(
      'warning: --password leaves the password in shell history and the process list; prefer --password-stdin\n',
    );
    return values.password;
  }
  throw new CliUsageError('give the password on standard input with --password-stdin');
}
