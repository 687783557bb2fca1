import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Plain JavaScript (it runs before anything is built).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason, stampOf, STAMP } = require('./build-if-stale.js') as {
  staleReason(root: string): string | undefined;
  stampOf(root: string, startedAt: number): string;
  STAMP: string;
};

describe('build-if-stale (npm start builds only when a source changed)', () => {
  let root: string;
  const builtAt = Date.now();
  const ago = (ms: number) => new Date(builtAt - ms);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'oreguard-stale-'));
    mkdirSync(join(root, 'src', 'domain'), { recursive: true });
    mkdirSync(join(root, 'dist', 'src'), { recursive: true });
    for (const file of ['src/main.ts', 'src/domain/a.ts', 'package.json', 'tsconfig.json']) {
      writeFileSync(join(root, file), '');
      utimesSync(join(root, file), ago(60_000), ago(60_000));
    }
    writeFileSync(join(root, 'dist', 'src', 'main.js'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when nothing was built, and not again while no source changes', () => {
    expect(staleReason(root)).toBe('no build yet');
    writeFileSync(join(root, STAMP), stampOf(root, builtAt));
    expect(staleReason(root)).toBeUndefined();
  });

  it('builds again when a source or a build setting is newer than the last build', () => {
    writeFileSync(join(root, STAMP), stampOf(root, builtAt));
    utimesSync(join(root, 'src/domain/a.ts'), new Date(builtAt + 1000), new Date(builtAt + 1000));
    expect(staleReason(root)).toBe(`${join('src', 'domain', 'a.ts')} changed`);
    utimesSync(join(root, 'src/domain/a.ts'), ago(60_000), ago(60_000));
    utimesSync(join(root, 'tsconfig.json'), new Date(builtAt + 1000), new Date(builtAt + 1000));
    expect(staleReason(root)).toBe('tsconfig.json changed');
  });

  it('builds again when a source is added or removed, even an old one', () => {
    writeFileSync(join(root, STAMP), stampOf(root, builtAt));
    writeFileSync(join(root, 'src', 'b.ts'), '');
    utimesSync(join(root, 'src', 'b.ts'), ago(60_000), ago(60_000));
    expect(staleReason(root)).toBe('source files added or removed');
    rmSync(join(root, 'src', 'b.ts'));
    rmSync(join(root, 'src', 'domain', 'a.ts'));
    expect(staleReason(root)).toBe('source files added or removed');
  });

  it('builds again when the build output is gone', () => {
    writeFileSync(join(root, STAMP), stampOf(root, builtAt));
    rmSync(join(root, 'dist', 'src', 'main.js'));
    expect(staleReason(root)).toBe('no build yet');
  });
});
