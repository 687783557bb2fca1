import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);

/** The documents as the built OreGuard (dist/, which `npm test` builds first) generates and serves them. */
function builtDocuments(): { restApiDocument: () => Record<string, unknown> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(root, 'dist', 'src', 'api-documents.js')) as { restApiDocument: () => Record<string, unknown> };
}

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

/** Redocly's problems with a document, with its committed configuration (redocly.yaml, the recommended rules). */
async function redoclyLint(document: object): Promise<Problem[]> {
  const dir = mkdtempSync(join(tmpdir(), 'oreguard-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const cli = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    // Redocly CLI would otherwise report usage and look for updates over the network.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' };
    const result = await run(
      process.execPath,
      [cli, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'],
      { env, cwd: dir },
    ).catch((error: { stdout?: string; stderr?: string }) => error);
    const stdout = result.stdout ?? '';
    const start = stdout.indexOf('{');
    if (start < 0) throw new Error(`redocly lint printed no report: ${result.stderr ?? ''}`);
    return (JSON.parse(stdout.slice(start)) as { problems: Problem[] }).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document', () => {
  const document = builtDocuments().restApiDocument() as {
    paths: Record<
      string,
      Record<
        string,
        {
          operationId?: string;
          security?: unknown[];
          responses: Record<string, { content?: Record<string, { schema?: object }> }>;
        }
      >
    >;
  };
  const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

  it('passes redocly lint (recommended rules) with no error; the only warnings are probes that answer no 4xx', async () => {
    const problems = await redoclyLint(document);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    // GET /health/live and /health/ready take no input and no token: nothing they could refuse with a 4xx.
    const warnings = problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`);
    expect(warnings.sort()).toEqual([
      'operation-4xx-response #/paths/~1health~1live/get/responses',
      'operation-4xx-response #/paths/~1health~1ready/get/responses',
    ]);
  }, 60_000);

  it('gives every operation an operationId, a security requirement, and a schema for each JSON response', () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const { path, method, op } of operations) {
      expect({ path, method, operationId: typeof op.operationId }).toEqual({ path, method, operationId: 'string' });
      expect({ path, method, security: Array.isArray(op.security) }).toEqual({ path, method, security: true });
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content?.['application/json'];
        if (json)
          expect({ path, method, status, schema: json.schema && Object.keys(json.schema).length > 0 }).toEqual({
            path,
            method,
            status,
            schema: true,
          });
      }
    }
  });

  it('says no token on login, refresh and the probes, and a bearer token elsewhere', () => {
    const open = operations
      .filter(({ op }) => op.security?.length === 0)
      .map(({ method, path }) => `${method} ${path}`);
    expect(open.sort()).toEqual([
      'get /evidence/keys',
      'get /health/live',
      'get /health/ready',
      'post /auth/login',
      'post /auth/refresh',
    ]);
    expect(document.paths['/incidents'].get.security).toEqual([{ bearer: [] }]);
  });
});
