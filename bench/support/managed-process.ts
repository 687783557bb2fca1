import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child process the bench started and must stop: its output tail is kept for error reports,
 * stop() signals it and escalates to SIGKILL if it does not exit in time.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
    private readonly onOutput?: (chunk: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.output = '';
    // stdin stays open as a pipe: a child that watches it (the reference loop) exits with the bench.
    const child = spawn(this.command, this.args, {
      env: { ...process.env, ...this.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      const text = d.toString();
      this.output = (this.output + text).slice(-100_000);
      this.onOutput?.(text);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.stdin!.on('error', () => undefined);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('error', (error) => (this.output += `\nspawn error: ${error.message}`));
    this.child = child;
  }

  /** Throws with the output tail if the process has exited. */
  assertRunning(): void {
    if (!this.running)
      throw new Error(
        `${this.name} exited (${this.child?.exitCode ?? this.child?.signalCode}): ${this.output.slice(-3000)}`,
      );
  }

  /** Signals the process and waits for it to exit; SIGKILL after graceMs. Returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.exit) return null;
    if (this.running) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const { code } = await this.exit;
      clearTimeout(timer);
      return code;
    }
    return (await this.exit).code;
  }
}
