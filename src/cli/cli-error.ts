/** Exit codes of the CLI (after sysexits.h, so scripts can tell a typo from an outage). */
export const EXIT = {
  ok: 0,
  /** Unknown command or option, a missing option. */
  usage: 64,
  /** The input was refused: a field check, a taken username, no such user. */
  refused: 65,
  /** The API refused the credentials or the action (401, 403). */
  noperm: 77,
  /** The database (or the API) could not be reached. */
  unavailable: 69,
  /** Anything unexpected. */
  software: 70,
  /** The configuration (environment) is invalid. */
  config: 78,
} as const;

/** A mistake in how the command was called: the message is printed with the command's usage. */
export class CliUsageError extends Error {}
