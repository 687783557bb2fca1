import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliEnvSchema, EnvSchema } from './env.schema';

describe('the configuration table in README.md', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  // The first cell of each table row names one or more variables in backticks.
  const firstCells = [...readme.matchAll(/^\|([^|]*)\|/gm)].map((m) => m[1]);
  const documented = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])));

  // The server's variables and the CLI's API commands' (CliEnvSchema).
  const declared = { ...EnvSchema.shape, ...CliEnvSchema.shape };

  it('documents every variable the schema reads', () => {
    const missing = Object.keys(declared).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('documents no variable the schema does not read', () => {
    const unknown = [...documented].filter((name) => !(name in declared));
    expect(unknown).toEqual([]);
  });
});
