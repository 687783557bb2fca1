export interface CliOutput { line(text: string): void; }
export interface CliCommand { name: string; usage: string; run(args: readonly string[], out: CliOutput): Promise<void>; }
