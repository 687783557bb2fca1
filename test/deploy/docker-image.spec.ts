import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';

const root = join(__dirname, '..', '..');

interface Stage {
  name?: string;
  workdir: string;
  steps: { op: 'COPY' | 'RUN'; args: string }[];
  cmd?: string[];
}

/** The Dockerfile's stages: FROM, WORKDIR, COPY, RUN and CMD (line continuations joined). */
function stagesOf(dockerfile: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of dockerfile.replace(/\\\n\s*/g, ' ').split('\n')) {
    const [op, ...rest] = line.trim().split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') stages.push({ name: / AS (\S+)$/i.exec(args)?.[1], workdir: '/', steps: [] });
    else if (op === 'WORKDIR') stages.at(-1)!.workdir = args;
    else if (op === 'COPY' || op === 'RUN') stages.at(-1)!.steps.push({ op, args });
    else if (op === 'CMD') stages.at(-1)!.cmd = JSON.parse(args) as string[];
  }
  return stages;
}

/** Whether .dockerignore keeps this path (relative to the context) out of the build context. */
function ignoredBy(patterns: string[]): (path: string) => boolean {
  const rules = patterns.map((pattern) => {
    const negate = pattern.startsWith('!');
    const body = negate ? pattern.slice(1) : pattern;
    const regex = new RegExp(`^${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    return { negate, regex };
  });
  return (path) => rules.reduce((ignored, rule) => (rule.regex.test(path) ? !rule.negate : ignored), false);
}

/** The requires of a compiled entry file and all it loads that do not resolve from where they are. */
function unresolvedRequires(entry: string): string[] {
  const seen = new Set<string>();
  const unresolved: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
      try {
        const resolved = require.resolve(spec, { paths: [dirname(file)] });
        // Follow OreGuard's own modules; a package that resolves is the package's business.
        if (spec.startsWith('.') && resolved.endsWith('.js')) visit(resolved);
      } catch {
        unresolved.push(`${relative(dirname(entry), file)}: ${spec}`);
      }
    }
  };
  visit(entry);
  return unresolved;
}

/**
 * No Docker engine runs here, so the image's build is reproduced from exactly what its COPY
 * lines name (less what .dockerignore keeps out), in a scratch directory, with the same
 * commands: `npm ci` is replaced by a link to the installed node_modules and `npm prune` left
 * out (it would prune the real one). The runtime stage is then assembled the same way, and
 * every command package.json documents must find its entry file there and load.
 */
describe('the Docker image, rebuilt from its COPY lines', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'oreguard-image-'));
  const stages = stagesOf(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const ignored = ignoredBy(
    readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  const dirOf = (stage: Stage) => join(scratch, stage.name ?? 'runtime');
  const runtime = stages.at(-1)!;
  const runtimeDir = dirOf(runtime);

  /** COPY from the build context, leaving out what .dockerignore leaves out. */
  const copyFromContext = (source: string, target: string) =>
    cpSync(join(root, source), target, {
      recursive: true,
      filter: (path) => !ignored(relative(root, path).split('\\').join('/')) || path === root,
    });

  beforeAll(() => {
    for (const stage of stages) {
      const dir = dirOf(stage);
      mkdirSync(dir, { recursive: true });
      const inStage = (path: string) => join(dir, posix.relative(stage.workdir, posix.resolve(stage.workdir, path)));
      for (const step of stage.steps) {
        if (step.op === 'COPY') {
          const from = /^--from=(\S+)\s+/.exec(step.args);
          const parts = step.args.replace(/^--from=\S+\s+/, '').split(/\s+/);
          const target = parts.pop()!;
          for (const source of parts) {
            const to = target.endsWith('/') ? join(inStage(target), posix.basename(source)) : inStage(target);
            if (from) {
              const origin = stages.find((s) => s.name === from[1])!;
              const path = join(dirOf(origin), posix.relative(origin.workdir, source));
              if (posix.basename(source) === 'node_modules') symlinkSync(join(root, 'node_modules'), to);
              else cpSync(path, to, { recursive: true });
            } else {
              copyFromContext(source, to);
            }
          }
        } else {
          for (const command of step.args.split('&&').map((c) => c.trim())) {
            if (/^npm ci\b/.test(command)) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
            else if (/^npm prune\b/.test(command)) continue;
            // Preparing a directory of the image outside the app (ARCHIVE_DIR's, owned by the runtime
            // user) concerns the image's filesystem, not this machine's: not reproduced here.
            else if (/^(mkdir -p|chown [a-z]+:[a-z]+) \/(var|srv|data)\/[\w/-]+$/.test(command)) continue;
            else execFileSync('sh', ['-c', command], { cwd: dir, stdio: 'pipe', timeout: 240_000 });
          }
        }
      }
    }
  }, 300_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('builds, leaving no test nor spec in dist', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    const built = files(join(runtimeDir, 'dist')).map((f) => relative(runtimeDir, f));
    expect(built).toContain(join('dist', 'src', 'main.js'));
    expect(built.filter((f) => /\.spec\.js$|[\\/]test[\\/]/.test(f))).toEqual([]);
  });

  it("finds the default command's entry file, and the rules", () => {
    expect(runtime.cmd).toEqual(['node', 'dist/src/main.js']);
    expect(existsSync(join(runtimeDir, runtime.cmd![1]))).toBe(true);
    expect(readdirSync(join(runtimeDir, 'rules')).filter((f) => /\.ya?ml$/.test(f)).length).toBeGreaterThan(0);
  });

  it('runs every command package.json documents from dist/: each entry file is there and its modules resolve', () => {
    const { scripts } = JSON.parse(readFileSync(join(runtimeDir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const entries = Object.entries(scripts)
      .map(([name, command]) => [name, /(?:^node |-d )(dist\/\S+\.js)/.exec(command)?.[1]] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
    const documented = entries.map(([name]) => name);
    for (const command of [
      'cli',
      'db:migrate',
      'gateways:mosquitto',
      'evidence:verify',
      'rules:backtest',
      'migration:run',
      'start:prod',
    ]) {
      expect(documented).toContain(command);
    }
    for (const [name, entry] of entries) {
      expect({ name, entry, exists: existsSync(join(runtimeDir, entry)) }).toEqual({ name, entry, exists: true });
    }
    // Each entry's module graph, read from the compiled requires (nothing run): every module resolves.
    for (const [name, entry] of entries) {
      expect({ name, unresolved: unresolvedRequires(join(runtimeDir, entry)) }).toEqual({ name, unresolved: [] });
    }
  });
});
