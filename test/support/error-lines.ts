/**
 * Collects the lines at error level that OreGuard, running in this test process, writes to
 * stdout while a test file runs (they are still written through). Call it in the describe
 * block: it starts before the file's tests and stops after them.
 */
export function errorLinesOfFile(): string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  beforeAll(() => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.includes('"level":"error"')) lines.push(text);
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  afterAll(() => {
    process.stdout.write = write;
  });
  return lines;
}
