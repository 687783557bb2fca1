/** Where a command's results go; `json` is set by --json (accepted by every command). */
export interface CliOutput {
  line(text: string): void;
  json?: boolean;
}
export interface CliCommand {
  name: string;
  usage: string;
  run(args: readonly string[], out: CliOutput): Promise<void>;
}

/** A command's result: as JSON with --json (one document on stdout), else as the lines it prints. */
export function emit(out: CliOutput, value: unknown, lines: () => void): void {
  if (out.json) out.line(JSON.stringify(value, null, 2));
  else lines();
}
