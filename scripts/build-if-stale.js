// `npm start`: builds dist/ only when a source changed since the last build, then OreGuard
// starts from it. Plain JavaScript, so it runs before anything is built. A build writes
// dist/.build-stamp: when it started and which source files it saw, so an edit made during
// the build, or a file added or deleted, makes the next start build again.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

/** What a build reads: the folders tsconfig.build.json compiles, and the files that steer it. */
const SOURCE_DIRS = ['src', 'scripts', 'bench', 'console'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
const STAMP = join('dist', '.build-stamp');

function sources(root) {
  const found = SOURCE_FILES.filter((name) => existsSync(join(root, name))).map((name) => join(root, name));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(root, dir));
  return found;
}

/** The file list, hashed: a file added or removed changes it. */
function listHash(root, files) {
  return createHash('sha256')
    .update(
      files
        .map((f) => relative(root, f))
        .sort()
        .join('\n'),
    )
    .digest('hex');
}

/** Why dist/ must be built again, or undefined when it is up to date. */
function staleReason(root) {
  const stampPath = join(root, STAMP);
  if (!existsSync(stampPath) || !existsSync(join(root, 'dist', 'src', 'main.js'))) return 'no build yet';
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return 'an unreadable build stamp';
  }
  const files = sources(root);
  if (stamp.files !== listHash(root, files)) return 'source files added or removed';
  const changed = files.find((file) => statSync(file).mtimeMs >= stamp.startedAt);
  return changed ? `${relative(root, changed)} changed` : undefined;
}

/** What dist/.build-stamp holds for a build that started at startedAt from the sources there are now. */
function stampOf(root, startedAt) {
  return JSON.stringify({ startedAt, files: listHash(root, sources(root)) });
}

/** Builds (npm run build) and stamps dist/; throws when the build fails. */
function build(root) {
  const stamp = stampOf(root, Date.now());
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status ?? result.signal})`);
  writeFileSync(join(root, STAMP), stamp);
}

module.exports = { staleReason, stampOf, build, STAMP };

if (require.main === module) {
  const root = join(__dirname, '..');
  const reason = staleReason(root);
  if (reason) {
    process.stdout.write(`Building dist/ (${reason})\n`);
    try {
      build(root);
    } catch (error) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  }
}
