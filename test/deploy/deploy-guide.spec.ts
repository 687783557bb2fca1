import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');

/**
 * docs/deploy.md walks a new deployment from `git clone` to the first alert. No Docker engine
 * runs here, so this checks what the walk names: the compose services it runs commands in, the
 * CLI commands it calls, the secrets it fills in and the files it points to all exist.
 */
describe('docs/deploy.md', () => {
  const guide = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, unknown>;
  };

  it('runs commands only in services docker-compose.yml defines', () => {
    const named = [...guide.matchAll(/docker compose (?:exec|run --rm|restart)(?: -e \S+)* ([a-z-]+)/g)].map(
      (m) => m[1],
    );
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const service of new Set(named))
      expect({ service, defined: service in compose.services }).toEqual({ service, defined: true });
  });

  it("calls only commands the CLI has (the image's dist/src/cli/main.js, built by npm test)", () => {
    const help = execFileSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'help'], {
      encoding: 'utf8',
    });
    const known = new Set([...help.matchAll(/^ {2}([a-z-]+:[a-z-]+)/gm)].map((m) => m[1]));
    const used = [...guide.matchAll(/npm run cli -- ([a-z-]+:[a-z-]+)/g)].map((m) => m[1]);
    expect(used).toEqual(expect.arrayContaining(['sites:create', 'gateways:create', 'incidents:list']));
    for (const command of used) expect({ command, known: known.has(command) }).toEqual({ command, known: true });
  });

  it('fills in every secret .env.example leaves empty, and only those', () => {
    const empty = readFileSync(join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=$/.test(line))
      .map((line) => line.slice(0, -1));
    const filled = [...guide.matchAll(/s\|\^([A-Z_]+)=/g)].map((m) => m[1]);
    expect(filled.sort()).toEqual(empty.sort());
  });

  it('points only to files the repository holds', () => {
    const paths = [...guide.matchAll(/`((?:docker|ops|test|docs)\/[\w./-]+)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect(() => readFileSync(join(root, path))).not.toThrow();
  });
});
